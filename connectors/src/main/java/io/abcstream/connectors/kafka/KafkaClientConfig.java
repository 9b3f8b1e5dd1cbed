package io.abcstream.connectors.kafka;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.function.Function;

/**
 * Kafka client settings shared by the source and the sinks: bootstrap servers, plain client
 * properties (TLS, SASL mechanism...), and secret properties named by environment variable or
 * file, resolved where the client is created so secrets never travel in the job graph.
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

  /** Client properties with secrets resolved from the environment and files. */
  public Properties toProperties() {
    return toProperties(System::getenv);
  }

  Properties toProperties(Function<String, String> env) {
    Properties props = new Properties();
    props.putAll(properties);
    props.put("bootstrap.servers", bootstrapServers);
    for (Map.Entry<String, String> e : secretEnv.entrySet()) {
      String value = env.apply(e.getValue());
      if (value == null) {
        throw new IllegalStateException(
            "Kafka property " + e.getKey() + " reads environment variable " + e.getValue() + ", which is not set");
      }
      props.put(e.getKey(), value);
    }
    for (Map.Entry<String, String> e : secretFiles.entrySet()) {
      try {
        props.put(e.getKey(), Files.readString(Paths.get(e.getValue()), StandardCharsets.UTF_8).strip());
      } catch (IOException ex) {
        throw new IllegalStateException(
            "Kafka property " + e.getKey() + " reads file " + e.getValue() + ": " + ex.getMessage(), ex);
      }
    }
    return props;
  }

  /** Names of every property set, secrets included, for logs (values withheld). */
  public Map<String, String> describe() {
    Map<String, String> d = new HashMap<>(properties);
    secretEnv.forEach((k, v) -> d.put(k, "<env " + v + ">"));
    secretFiles.forEach((k, v) -> d.put(k, "<file " + v + ">"));
    d.put("bootstrap.servers", bootstrapServers);
    return d;
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
