package io.abcstream.connectors.kafka;

import java.io.Serializable;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * Kafka client settings shared by the source and the sinks: bootstrap servers, plain client
 * properties (TLS, SASL mechanism...), and secret properties named by environment variable or file,
 * resolved by the Kafka client where it is created so secrets never travel in the job graph.
 */
public final class KafkaClientConfig implements Serializable {

  private static final long serialVersionUID = 1L;

  private final String bootstrapServers;
  private final Map<String, String> properties;
  private final Map<String, String> secretEnv;
  private final Map<String, String> secretFiles;

  public KafkaClientConfig(
      String bootstrapServers,
      Map<String, String> properties,
      Map<String, String> secretEnv,
      Map<String, String> secretFiles) {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new IllegalArgumentException("kafka.bootstrap-servers must be set (host:port,...)");
    }
    this.bootstrapServers = bootstrapServers;
    this.properties = Map.copyOf(properties);
    this.secretEnv = Map.copyOf(secretEnv);
    this.secretFiles = Map.copyOf(secretFiles);
  }

  public static KafkaClientConfig of(String bootstrapServers) {
    return new KafkaClientConfig(bootstrapServers, Map.of(), Map.of(), Map.of());
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  /**
   * Client properties for the Kafka connector builders. Secrets appear only as Kafka
   * config-provider placeholders ({@code ${env:VAR}}, {@code ${directory:DIR:FILE}}) that the Kafka
   * client itself resolves when it is created on the TaskManager, so no secret value is serialized
   * into the job graph or shown in the Web UI.
   */
  public Properties toProperties() {
    Properties props = new Properties();
    props.putAll(properties);
    props.put("bootstrap.servers", bootstrapServers);
    if (secretEnv.isEmpty() && secretFiles.isEmpty()) {
      return props;
    }
    props.put("config.providers", "env,directory");
    props.put(
        "config.providers.env.class",
        "org.apache.kafka.common.config.provider.EnvVarConfigProvider");
    props.put(
        "config.providers.directory.class",
        "org.apache.kafka.common.config.provider.DirectoryConfigProvider");
    for (Map.Entry<String, String> e : secretEnv.entrySet()) {
      props.put(e.getKey(), "${env:" + e.getValue() + "}");
    }
    for (Map.Entry<String, String> e : secretFiles.entrySet()) {
      Path file = Paths.get(e.getValue()).toAbsolutePath();
      if (file.getParent() == null || file.getFileName() == null) {
        throw new IllegalArgumentException(
            "Kafka secret file for " + e.getKey() + " must be a file path: " + e.getValue());
      }
      props.put(e.getKey(), "${directory:" + file.getParent() + ":" + file.getFileName() + "}");
    }
    return props;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KafkaClientConfig
        && bootstrapServers.equals(((KafkaClientConfig) o).bootstrapServers)
        && properties.equals(((KafkaClientConfig) o).properties)
        && secretEnv.equals(((KafkaClientConfig) o).secretEnv)
        && secretFiles.equals(((KafkaClientConfig) o).secretFiles);
  }

  @Override
  public int hashCode() {
    return Objects.hash(bootstrapServers, properties, secretEnv, secretFiles);
  }
}
