package io.abcstream.architecture.samples.model;

import io.abcstream.architecture.samples.jobs.SampleJob;
import org.apache.flink.configuration.Configuration;

/** Breaks the model rules on purpose: imports Flink and a higher module that imports it back. */
public class BadModelClass {
  public Configuration configuration() {
    return new Configuration();
  }

  public SampleJob job() {
    return new SampleJob();
  }
}
