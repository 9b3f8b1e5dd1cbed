package io.abcstream.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.abcstream.connectors.elasticsearch.ElasticsearchSinkOptions;
import io.abcstream.fetch.FetchOptions;
import io.abcstream.operators.batching.BatchingOptions;
import io.abcstream.operators.document.DocumentOptions;
import io.abcstream.operators.embed.EmbeddingOptions;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

/** config/job.example.yaml says its values are the defaults: hold it to that. */
class JobExampleYamlTest {

  private static Map<String, ConfigOption<?>> options() throws IllegalAccessException {
    Map<String, ConfigOption<?>> byKey = new HashMap<>();
    for (Class<?> holder :
        List.of(
            JobOptions.class,
            BatchingOptions.class,
            EmbeddingOptions.class,
            FetchOptions.class,
            ElasticsearchSinkOptions.class,
            DocumentOptions.class)) {
      for (Field f : holder.getFields()) {
        if (Modifier.isStatic(f.getModifiers()) && f.getType() == ConfigOption.class) {
          ConfigOption<?> option = (ConfigOption<?>) f.get(null);
          byKey.put(option.key(), option);
        }
      }
    }
    return byKey;
  }

  @Test
  void everyValueShownIsTheOptionsDefault() throws Exception {
    Path repo = Paths.get(System.getProperty("abc.repo.root", "..")).toAbsolutePath().normalize();
    Configuration example = JobConfig.load(repo.resolve("config/job.example.yaml"), List.of());
    Map<String, ConfigOption<?>> options = options();

    int checked = 0;
    for (String key : example.keySet()) {
      ConfigOption<?> option = options.get(key);
      if (option == null || !option.hasDefaultValue()) {
        continue; // a Flink option, or an example of an optional key
      }
      assertThat((Object) example.get(option)).as(key).isEqualTo(option.defaultValue());
      checked++;
    }
    assertThat(checked).isGreaterThan(30);
    // FileSystem schemes are read only from listed authorities, file:// only under roots: the
    // example shows the narrow default, not a list of every scheme a plugin could add.
    assertThat(example.get(FetchOptions.ALLOWED_SCHEMES)).containsExactly("https", "http", "data");
    assertThat(example.containsKey(FetchOptions.FILESYSTEM_ALLOWED_AUTHORITIES.key())).isTrue();
    // Counted on the TaskManager, so the example must not show a number as if it were the default.
    assertThat(example.containsKey(EmbeddingOptions.CPU_THREADS.key())).isFalse();
    assertThat(example.containsKey(BatchingOptions.INFERENCE_THREADS.key())).isFalse();
  }
}
