package io.abcstream.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every host spelling and authority shape the fetch policy decides without a DNS lookup. */
class HostSpellingTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        // canonical: judged by the address policy after parsing or resolving
        "127.0.0.1 | ",
        "8.8.8.8 | ",
        "0.0.0.0 | ",
        "255.255.255.255 | ",
        "[::1] | ",
        "[::ffff:127.0.0.1] | ",
        "[2001:db8::1] | ",
        "images.example.com | ",
        "images.example.com. | ",
        "IMAGES.Example.COM | ",
        "1e100.net | ",
        "a-0x1.example | ",
        "metadata.example.com | ",
        // non-canonical numeric: octal, hex, shortened, integer, trailing dot, out of range
        "0177.0.0.1 | non-canonical numeric",
        "0177.0.0.01 | non-canonical numeric",
        "127.000.000.001 | non-canonical numeric",
        "0x7f.0.0.1 | non-canonical numeric",
        "0x7f000001 | non-canonical numeric",
        "0xa9fea9fe | non-canonical numeric",
        "0XA9FEA9FE | non-canonical numeric",
        "0x | non-canonical numeric",
        "127.1 | non-canonical numeric",
        "127.0.1 | non-canonical numeric",
        "10.1 | non-canonical numeric",
        "2130706433 | non-canonical numeric",
        "2852039166 | non-canonical numeric",
        "0 | non-canonical numeric",
        "127.0.0.1. | non-canonical numeric",
        "169.254.169.254. | non-canonical numeric",
        "256.1.1.1 | non-canonical numeric",
        "1.2.3.4.5 | non-canonical numeric",
        "evil.com.127.0.0.1 | non-canonical numeric",
        "example.0x10 | non-canonical numeric",
        // IPv6 zone ids and odd literals
        "[fe80::1%25eth0] | zone id",
        "[fe80::1%eth0] | zone id",
        "[fe80::a9fe:a9fe%251] | zone id",
        "[::ffff:0177.0.0.1] | non-canonical IPv4 part",
        "[::ffff:127.1] | non-canonical IPv4 part",
        "[v1.fe80::1] | malformed IPv6",
        // percent-encoded hosts
        "%31%32%37.0.0.1 | percent-encoded",
        "loc%61lhost | percent-encoded",
        // cloud metadata names, any case, with a trailing dot
        "metadata.google.internal | cloud metadata",
        "metadata.google.internal. | cloud metadata",
        "METADATA.Google.Internal | cloud metadata",
        "metadata | cloud metadata",
        "metadata. | cloud metadata",
        "metadata.goog | cloud metadata",
        "instance-data | cloud metadata",
        "instance-data.ec2.internal | cloud metadata",
        "metadata.tencentyun.com | cloud metadata",
        // RFC 6761 loopback names, any case, with a trailing dot
        "localhost | loopback name",
        "LOCALHOST. | loopback name",
        "images.localhost | loopback name",
        "localhost.example.com |",
      })
  void spellings(String host, String reason) {
    String actual = HostSpelling.forbiddenReason(host);
    if (reason == null) {
      assertThat(actual).as(host).isNull();
    } else {
      assertThat(actual).as(host).contains(reason);
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "host | | host | -1",
        "host:8080 | | host | 8080",
        "host: | | host | -1",
        "host:0080 | | host | 80",
        "host:65535 | | host | 65535",
        "host:1 | | host | 1",
        "u:p@host:81 | u:p | host | 81",
        "a@b@host | a@b | host | -1",
        "[::1]:8080 | | [::1] | 8080",
        "[fe80::1%25eth0] | | [fe80::1%25eth0] | -1",
        "127.1:80 | | 127.1 | 80",
      })
  void authoritiesSplit(String raw, String userInfo, String host, int port) {
    UrlAuthority a = UrlAuthority.parse(raw);
    assertThat(a.userInfo()).isEqualTo(userInfo);
    assertThat(a.host()).isEqualTo(host);
    assertThat(a.port()).isEqualTo(port);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "host:99999 | outside 1..65535",
        "host:65536 | outside 1..65535",
        "host:0 | outside 1..65535",
        "host:00000 | outside 1..65535",
        "host:99999999999999999999999 | outside 1..65535",
        "host:-1 | not a number",
        "host:+80 | not a number",
        "host:8o | not a number",
        ":80 | no host",
        "user@ | no host",
        "user@:80 | no host",
        "[] | no host",
        "[::1 | unclosed",
        "[::1]x | after its IPv6",
      })
  void badAuthoritiesAreRejected(String raw, String message) {
    assertThatThrownBy(() -> UrlAuthority.parse(raw))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  @Test
  void missingAuthorityHasNoHost() {
    assertThatThrownBy(() -> UrlAuthority.parse(null)).hasMessageContaining("no host");
    assertThatThrownBy(() -> UrlAuthority.parse("")).hasMessageContaining("no host");
  }

  /**
   * The policy's view of a whole URL: the allow-list for loopback changes nothing, because these
   * are refused for how they are written, never for where they resolve.
   */
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "http://0177.0.0.1/x | FORBIDDEN",
        "http://0xa9fea9fe/x | FORBIDDEN",
        "http://2130706433/x | FORBIDDEN",
        "http://127.1/x | FORBIDDEN",
        "http://127.0.0.1./x | FORBIDDEN",
        "http://[fe80::1%25eth0]/x | FORBIDDEN",
        "http://metadata.google.internal/x | FORBIDDEN",
        "http://metadata.google.internal./x | FORBIDDEN",
        "http://user@127.0.0.1/x | FORBIDDEN",
        "http://user@127.1/x | FORBIDDEN",
        "http://%31%32%37.0.0.1/x | FORBIDDEN",
        "http://127.0.0.1:99999/x | INVALID_REFERENCE",
        "http://127.0.0.1:0/x | INVALID_REFERENCE",
        "http://127.1:99999/x | INVALID_REFERENCE",
        "http:///x | INVALID_REFERENCE",
        "http://:80/x | INVALID_REFERENCE",
        "http://my_host.example.com/x | INVALID_REFERENCE",
      })
  void urlTargets(String url, FetchException.Kind kind) {
    AddressPolicy p = new AddressPolicy(List.of(), List.of("0.0.0.0/0"), List.of(), List.of());
    FetchException e =
        catchThrowableOfType(FetchException.class, () -> p.target(URI.create(url), "http"));
    assertThat(e).as(url).isNotNull();
    assertThat(e.kind()).as(url).isEqualTo(kind);
  }

  @Test
  void canonicalTargetsCarryTheirLiteralOrAreLeftToTheResolver() throws Exception {
    AddressPolicy p = AddressPolicy.defaults();
    AddressPolicy.Target v4 = p.target(URI.create("http://127.0.0.1:8080/x"), "http");
    assertThat(v4.host()).isEqualTo("127.0.0.1");
    assertThat(v4.port()).isEqualTo(8080);
    assertThat(v4.literal()).isNotNull();
    AddressPolicy.Target v6 = p.target(URI.create("https://[::1]/x"), "https");
    assertThat(v6.host()).isEqualTo("::1");
    assertThat(v6.port()).isEqualTo(443);
    assertThat(v6.literal()).isNotNull();
    AddressPolicy.Target name = p.target(URI.create("http://images.example.com./x"), "http");
    assertThat(name.host()).isEqualTo("images.example.com.");
    assertThat(name.port()).isEqualTo(80);
    assertThat(name.literal()).isNull();
  }
}
