package io.abcstream.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.Configuration;
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

        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bos)) {
            out.writeObject(cfg);
        }
        FetchConfig back;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bos.toByteArray()))) {
            back = (FetchConfig) in.readObject();
        }
        assertThat(back.allowedCidrs()).isEqualTo(cfg.allowedCidrs());
        assertThat(back.toBuilder().build().maxBytes()).isEqualTo(cfg.maxBytes());
    }

    @Test
    void settersAndBuildValidate() {
        FetchConfig.Builder b = FetchConfig.builder();
        assertThatThrownBy(() -> b.connectTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.maxBytes(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.maxAttempts(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.maxRedirects(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.backoffJitter(1.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.backoffMultiplier(0.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.allowedCidrs(List.of("not-a-cidr"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.allowedPorts(List.of(70000))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.userAgent("bad\nagent")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FetchConfig.builder().attemptTimeout(Duration.ofSeconds(10))
                .totalTimeout(Duration.ofSeconds(5)).build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FetchConfig.builder().initialBackoff(Duration.ofSeconds(20)).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(FetchConfig.defaults().allowedCidrs()).isEmpty();
    }
}
