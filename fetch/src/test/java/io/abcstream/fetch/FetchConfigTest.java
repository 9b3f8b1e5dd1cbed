package io.abcstream.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.junit.jupiter.api.Test;

class FetchConfigTest {

  @Test
  void readsFlinkOptionsAndSurvivesJavaSerialization() throws Exception {
    Configuration c = new Configuration();
    c.setString("fetch.connect-timeout", "2 s");
    c.setString("fetch.max-bytes", "5mb");
    c.setString("fetch.policy.allowed-cidrs", "127.0.0.0/8;::1/128");
    c.setString("fetch.policy.allowed-ports", "80;443");
    c.setString("fetch.file.roots", "/data/images");
    c.setString("fetch.http.user-agent", "ua/1");
    c.setString("fetch.filesystem.allowed-authorities", "S3://Bucket;hdfs://namenode:8020/");
    FetchConfig cfg = FetchConfig.fromConfiguration(c);
    assertThat(cfg.connectTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(cfg.maxBytes()).isEqualTo(5L * 1024 * 1024);
    assertThat(cfg.allowedCidrs()).containsExactly("127.0.0.0/8", "::1/128");
    assertThat(cfg.allowedPorts()).containsExactly(80, 443);
    assertThat(cfg.fileRoots()).containsExactly("/data/images");
    assertThat(cfg.userAgent()).isEqualTo("ua/1");
    assertThat(cfg.maxAttempts()).isEqualTo(FetchOptions.MAX_ATTEMPTS.defaultValue());
    assertThat(cfg.isSchemeAllowed("S3")).isTrue();
    assertThat(cfg.isSchemeAllowed("ftp")).isFalse();
    assertThat(cfg.fileSystemAuthorities()).containsExactly("s3://bucket", "hdfs://namenode:8020");

    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bos)) {
      out.writeObject(cfg);
    }
    FetchConfig back;
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bos.toByteArray()))) {
      back = (FetchConfig) in.readObject();
    }
    assertThat(back.allowedCidrs()).isEqualTo(cfg.allowedCidrs());
    assertThat(back.maxBytes()).isEqualTo(cfg.maxBytes());
    assertThat(back).isEqualTo(cfg);
  }

  @Test
  void everySettingAndTheCombinationAreValidated() {
    assertInvalid(FetchOptions.CONNECT_TIMEOUT, Duration.ZERO);
    assertInvalid(FetchOptions.MAX_BYTES, new MemorySize(0));
    assertInvalid(FetchOptions.MAX_ATTEMPTS, 0);
    assertInvalid(FetchOptions.MAX_REDIRECTS, -1);
    assertInvalid(FetchOptions.BACKOFF_JITTER, 1.5);
    assertInvalid(FetchOptions.BACKOFF_MULTIPLIER, 0.5);
    assertInvalid(FetchOptions.ALLOWED_CIDRS, List.of("not-a-cidr"));
    assertInvalid(FetchOptions.ALLOWED_PORTS, List.of(70000));
    assertInvalid(FetchOptions.USER_AGENT, "bad\nagent");
    assertThatThrownBy(
            () ->
                FetchConfig.fromConfiguration(
                    new Configuration()
                        .set(FetchOptions.ATTEMPT_TIMEOUT, Duration.ofSeconds(10))
                        .set(FetchOptions.TOTAL_TIMEOUT, Duration.ofSeconds(5))))
        .isInstanceOf(IllegalArgumentException.class);
    assertInvalid(FetchOptions.INITIAL_BACKOFF, Duration.ofSeconds(20));
    assertInvalid(FetchOptions.DNS_THREADS, 0);
    assertInvalid(FetchOptions.DNS_TIMEOUT, Duration.ZERO);
    assertInvalid(FetchOptions.MAX_HEADER_LINE_LENGTH, 10);
    assertInvalid(FetchOptions.MAX_HEADER_COUNT, 0);
    // Below the byte limit one image at the limit could never get its budget.
    assertInvalid(FetchOptions.MAX_INFLIGHT_BYTES, MemorySize.parse("1mb"));
    assertThat(FetchConfig.defaults().allowedCidrs()).isEmpty();
    assertThat(FetchConfig.defaults().maxInflightBytes())
        .isGreaterThanOrEqualTo(FetchConfig.defaults().maxBytes());
  }

  @Test
  void defaultSchemesAreHttpHttpsAndDataAndTheOthersComeWithTheirOwnSettings() {
    FetchConfig defaults = FetchConfig.defaults();
    assertThat(defaults.allowedSchemes()).containsExactly("https", "http", "data");
    assertThat(defaults.acceptedSchemes()).containsExactly("https", "http", "data");
    for (String scheme : List.of("file", "s3", "s3a", "gs", "hdfs", "abfs", "wasb", "oss")) {
      assertThat(defaults.isSchemeAllowed(scheme)).as(scheme).isFalse();
    }
    FetchConfig withSources =
        FetchConfig.fromConfiguration(
            new Configuration()
                .set(FetchOptions.FILE_ROOTS, List.of("/data/images"))
                .set(
                    FetchOptions.FILESYSTEM_ALLOWED_AUTHORITIES,
                    List.of("s3://my-bucket", "hdfs://namenode:8020")));
    assertThat(withSources.acceptedSchemes())
        .containsExactly("https", "http", "data", "file", "s3", "hdfs");
    assertThat(withSources.isSchemeAllowed("gs")).isFalse();
  }

  @Test
  void fileSystemAuthoritiesMustBeSchemeAndAuthorityOfAFileSystem() {
    for (String bad :
        List.of(
            "my-bucket",
            "s3:///no-authority",
            "s3://bucket/prefix/",
            "s3://bucket?x=1",
            "http://example.com",
            "https://example.com",
            "file://localhost",
            "data://x",
            "s3://bad bucket")) {
      assertInvalid(FetchOptions.FILESYSTEM_ALLOWED_AUTHORITIES, List.of(bad));
    }
  }

  @Test
  void backoffIsExponentialCappedAndJitteredWithAJitterOfOneAllowed() {
    FetchConfig c =
        FetchConfig.fromConfiguration(
            new Configuration()
                .set(FetchOptions.INITIAL_BACKOFF, Duration.ofMillis(100))
                .set(FetchOptions.MAX_BACKOFF, Duration.ofSeconds(2))
                .set(FetchOptions.BACKOFF_JITTER, 1.0));
    assertThat(c.backoffJitter()).isEqualTo(1.0);
    assertThat(c.backoff().delay(2, () -> 0.0)).isEqualTo(Duration.ofMillis(200));
    assertThat(c.backoff().delay(2, () -> 0.5)).isEqualTo(Duration.ofMillis(100));
  }

  private static <T> void assertInvalid(ConfigOption<T> option, T value) {
    assertThatThrownBy(() -> FetchConfig.fromConfiguration(new Configuration().set(option, value)))
        .as(option.key() + " = " + value)
        .isInstanceOf(IllegalArgumentException.class);
  }
}
