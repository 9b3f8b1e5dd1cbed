package io.abcstream.jobs;

import java.time.Duration;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;

/** The job's defaults for Flink itself; anything the user set in the config file wins. */
public final class JobEnvironment {

  private JobEnvironment() {}

  public static Configuration withDefaults(Configuration user) {
    Configuration conf = new Configuration();
    // Checkpoints commit Kafka offsets and flush the Elasticsearch sink; deterministic document ids
    // make replays after a restart overwrite rather than duplicate.
    conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofSeconds(30));
    conf.set(CheckpointingOptions.MIN_PAUSE_BETWEEN_CHECKPOINTS, Duration.ofSeconds(5));
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
    // Every record type has a proper serializer (Avro or hand-written); Kryo would hide mistakes.
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    conf.addAll(user);
    return conf;
  }
}
