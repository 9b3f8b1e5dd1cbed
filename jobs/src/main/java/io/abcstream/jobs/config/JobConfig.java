package io.abcstream.jobs.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;

/**
 * Reads the job's YAML file (nested or dotted keys, lists as YAML lists) plus {@code key=value}
 * overrides into one Flink {@link Configuration}.
 */
public final class JobConfig {

  private JobConfig() {}

  public static Configuration load(Path yaml, List<String> overrides) {
    Map<String, String> flat = new LinkedHashMap<>();
    if (yaml != null) {
      if (!Files.isRegularFile(yaml)) {
        throw new IllegalArgumentException("config file " + yaml + " does not exist");
      }
      try {
        JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(yaml.toFile());
        if (root != null && !root.isNull() && !root.isMissingNode()) {
          if (!root.isObject()) {
            throw new IllegalArgumentException(yaml + ": the top level must be a mapping of keys");
          }
          flatten("", root, flat, yaml);
        }
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read " + yaml + ": " + e.getMessage(), e);
      }
    }
    for (String override : overrides) {
      int eq = override.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("override '" + override + "' must be key=value");
      }
      flat.put(override.substring(0, eq).trim(), override.substring(eq + 1).trim());
    }
    return Configuration.fromMap(flat);
  }

  private static void flatten(String prefix, JsonNode node, Map<String, String> out, Path source) {
    if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        flatten(
            prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out, source);
      }
    } else if (node.isArray()) {
      StringBuilder joined = new StringBuilder();
      for (JsonNode item : node) {
        if (!item.isValueNode()) {
          throw new IllegalArgumentException(
              source + ": " + prefix + " must be a list of plain values");
        }
        if (joined.length() > 0) {
          joined.append(';');
        }
        joined.append(item.asText());
      }
      out.put(prefix, joined.toString());
    } else if (!node.isNull()) {
      out.put(prefix, node.asText());
    }
  }
}
