package io.abcstream.connectors.kafka;

import java.util.HashMap;
import java.util.Map;

/**
 * Reads the Kafka client settings under a prefix of a flat configuration: {@code
 * <prefix>properties.<name>} (plain), {@code <prefix>secret-env.<name>} (an environment variable's
 * name) and {@code <prefix>secret-file.<name>} (a file's path).
 */
public final class KafkaClientProperties {

  public static final String PROPERTIES = "properties.";
  public static final String SECRET_ENV = "secret-env.";
  public static final String SECRET_FILE = "secret-file.";

  private KafkaClientProperties() {}

  /**
   * The client config for {@code bootstrapServers} and the keys of {@code config} under {@code
   * prefix}.
   */
  public static KafkaClientConfig parse(
      String bootstrapServers, Map<String, String> config, String prefix) {
    Map<String, String> plain = new HashMap<>();
    Map<String, String> env = new HashMap<>();
    Map<String, String> files = new HashMap<>();
    for (Map.Entry<String, String> e : config.entrySet()) {
      String key = e.getKey();
      if (!key.startsWith(prefix)) {
        continue;
      }
      String rest = key.substring(prefix.length());
      if (rest.startsWith(PROPERTIES)) {
        plain.put(rest.substring(PROPERTIES.length()), e.getValue());
      } else if (rest.startsWith(SECRET_ENV)) {
        env.put(rest.substring(SECRET_ENV.length()), e.getValue());
      } else if (rest.startsWith(SECRET_FILE)) {
        files.put(rest.substring(SECRET_FILE.length()), e.getValue());
      }
    }
    return new KafkaClientConfig(bootstrapServers, plain, env, files);
  }
}
