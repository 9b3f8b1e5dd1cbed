package io.abcstream.connectors.elasticsearch;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Objects;
import java.util.function.Function;

/**
 * Where a secret lives (an environment variable or a file), never the secret itself, so job graphs,
 * configs and logs carry only the reference; resolved on the TaskManager when the client is built.
 */
public final class SecretRef implements Serializable {

  private static final long serialVersionUID = 1L;

  private enum Kind {
    ENV,
    FILE
  }

  private final Kind kind;
  private final String name;

  private SecretRef(Kind kind, String name) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException(
          "a secret reference needs an environment variable name or a file path");
    }
    this.kind = kind;
    this.name = name;
  }

  /** The value of environment variable {@code variable}. */
  public static SecretRef env(String variable) {
    return new SecretRef(Kind.ENV, variable);
  }

  /**
   * The content of {@code path} (UTF-8, one trailing newline stripped, as mounted Kubernetes
   * secrets have).
   */
  public static SecretRef file(String path) {
    return new SecretRef(Kind.FILE, path);
  }

  /** Reads the secret; fails with a message naming the reference (not the value) if absent. */
  public String resolve() {
    return resolve(System::getenv);
  }

  String resolve(Function<String, String> environment) {
    if (kind == Kind.ENV) {
      String value = environment.apply(name);
      if (value == null || value.isEmpty()) {
        throw new IllegalStateException(
            "environment variable " + name + " (a secret reference) is not set");
      }
      return value;
    }
    Path path = Paths.get(name);
    try {
      String value = new String(Files.readAllBytes(path), StandardCharsets.UTF_8);
      if (value.endsWith("\r\n")) {
        value = value.substring(0, value.length() - 2);
      } else if (value.endsWith("\n")) {
        value = value.substring(0, value.length() - 1);
      }
      if (value.isEmpty()) {
        throw new IllegalStateException("secret file " + path + " is empty");
      }
      return value;
    } catch (IOException e) {
      throw new IllegalStateException("cannot read secret file " + path + ": " + e, e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SecretRef
        && ((SecretRef) o).kind == kind
        && ((SecretRef) o).name.equals(name);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, name);
  }

  @Override
  public String toString() {
    return (kind == Kind.ENV ? "env:" : "file:") + name;
  }
}
