package io.abcstream.connectors.kafka;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads the Kafka client settings under a prefix of a flat configuration: {@code
 * <prefix>properties.<name>} (plain), {@code <prefix>secret-env.<name>} (an environment variable's
 * name) and {@code <prefix>secret-file.<name>} (a file's path).
 */
public final class KafkaClientProperties {

  public static final String PROPERTIES = "properties.";
  public static final String SECRET_ENV = "secret-env.";
  public static final String SECRET_FILE = "secret-file.";

  /** Kafka client settings that hold a secret although their name does not say "password". */
  private static final Set<String> SECRET_NAMES =
      Set.of("sasl.jaas.config", "ssl.keystore.key", "basic.auth.user.info");

  private KafkaClientProperties() {}

  /**
   * True for a client setting whose value is a secret: {@code sasl.jaas.config} (also per
   * listener/mechanism), any {@code *password}, any {@code *secret*}, {@code ssl.keystore.key}.
   */
  public static boolean isSecret(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return SECRET_NAMES.contains(n)
        || n.endsWith(".sasl.jaas.config")
        || n.endsWith("password")
        || n.contains("secret");
  }

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
        String name = rest.substring(PROPERTIES.length());
        if (isSecret(name) && !isPlaceholder(e.getValue())) {
          // The value is never echoed: the message ends up in logs and the job's failure.
          throw new IllegalArgumentException(
              key
                  + " holds a secret in plain text, where the configuration, the job graph and"
                  + " the logs would carry it: use "
                  + prefix
                  + SECRET_ENV
                  + name
                  + "=<environment variable> or "
                  + prefix
                  + SECRET_FILE
                  + name
                  + "=<file path> instead");
        }
        plain.put(name, e.getValue());
      } else if (rest.startsWith(SECRET_ENV)) {
        env.put(rest.substring(SECRET_ENV.length()), e.getValue());
      } else if (rest.startsWith(SECRET_FILE)) {
        files.put(rest.substring(SECRET_FILE.length()), e.getValue());
      }
    }
    return new KafkaClientConfig(bootstrapServers, plain, env, files);
  }

  /** A Kafka config-provider reference such as {@code ${env:VAR}}: names a secret, holds none. */
  private static boolean isPlaceholder(String value) {
    String v = value == null ? "" : value.trim();
    return v.startsWith("${") && v.endsWith("}") && v.indexOf('}') == v.length() - 1;
  }
}
