package io.abcstream.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AddressPolicyTest {

  private static final AddressPolicy DEFAULT = AddressPolicy.defaults();

  private static InetAddress ip(String literal) {
    InetAddress a = Cidr.parseLiteral(literal);
    assertThat(a).as("literal %s", literal).isNotNull();
    return a;
  }

  @ParameterizedTest(name = "{0} denied={1}")
  @CsvSource({
    // IPv4
    "127.0.0.1, true",
    "127.255.255.254, true",
    "10.0.0.1, true",
    "10.255.255.255, true",
    "172.16.0.1, true",
    "172.31.255.255, true",
    "172.32.0.1, false",
    "172.15.255.255, false",
    "192.168.1.1, true",
    "169.254.169.254, true",
    "169.254.0.1, true",
    "100.64.0.1, true",
    "100.127.255.255, true",
    "100.128.0.1, false",
    "0.0.0.0, true",
    "0.1.2.3, true",
    "224.0.0.1, true",
    "239.255.255.250, true",
    "240.0.0.1, true",
    "255.255.255.255, true",
    "198.18.0.1, true",
    "198.19.255.255, true",
    "198.20.0.1, false",
    "192.0.2.1, true",
    "192.0.0.170, true",
    "8.8.8.8, false",
    "93.184.216.34, false",
    "1.1.1.1, false",
    // IPv6
    "::1, true",
    "::, true",
    "fc00::1, true",
    "fd12:3456::1, true",
    "fe80::1, true",
    "febf::1, true",
    "ff02::1, true",
    "ff0e::1, true",
    "2001:db8::1, true",
    "2606:4700:4700::1111, false",
    "2a00:1450:4001:80b::200e, false",
    // IPv4 embedded in IPv6
    "::ffff:127.0.0.1, true",
    "::ffff:169.254.169.254, true",
    "::ffff:8.8.8.8, false",
    "::127.0.0.1, true",
    "::10.0.0.1, true",
    "::8.8.8.8, false",
    "::ffff:0:10.0.0.1, true",
    "::ffff:0:8.8.8.8, false",
    "2002:7f00:1::1, true",
    "2002:a9fe:a9fe::1, true",
    "2002:0808:0808::1, false",
    "64:ff9b::127.0.0.1, true",
    "64:ff9b::a9fe:a9fe, true",
    "64:ff9b::8.8.8.8, false",
    "64:ff9b:1::8.8.8.8, true",
    // Teredo: server 65.54.227.120, client 127.0.0.1 stored inverted (80ff:fffe)
    "2001:0:4136:e378:8000:63bf:80ff:fffe, true",
    "2001:0:4136:e378:8000:63bf:f7f7:f7f7, false",
  })
  void defaultPolicyTable(String literal, boolean denied) {
    assertThat(DEFAULT.denialReason(ip(literal)) != null).as(literal).isEqualTo(denied);
  }

  @Test
  void mappedFormsAreJudgedByTheEmbeddedAddressEvenWhenRawBytesAreV6() throws Exception {
    byte[] mapped = new byte[16];
    mapped[10] = (byte) 0xFF;
    mapped[11] = (byte) 0xFF;
    mapped[12] = (byte) 169;
    mapped[13] = (byte) 254;
    mapped[14] = (byte) 169;
    mapped[15] = (byte) 254;
    // Inet6Address.getByAddress keeps the v6 form (InetAddress.getByAddress would collapse it to
    // v4).
    InetAddress a = Inet6Address.getByAddress(null, mapped, -1);
    assertThat(DEFAULT.denialReason(a)).contains("169.254.169.254");
  }

  @Test
  void allowedCidrsOverrideDefaultDenialsAndExtraDenialsAdd() {
    AddressPolicy p =
        new AddressPolicy(List.of(), List.of("127.0.0.0/8"), List.of("8.8.8.0/24"), List.of());
    assertThat(p.denialReason(ip("127.0.0.1"))).isNull();
    assertThat(p.denialReason(ip("::ffff:127.0.0.2"))).isNull();
    assertThat(p.denialReason(ip("::1"))).isNotNull(); // v6 loopback is not in 127/8
    assertThat(p.denialReason(ip("10.0.0.1"))).isNotNull();
    assertThat(p.denialReason(ip("8.8.8.8"))).isNotNull();
    assertThat(p.denialReason(ip("8.8.4.4"))).isNull();
  }

  @Test
  void everyResolvedAddressIsChecked() throws Exception {
    AddressPolicy p = AddressPolicy.defaults();
    p.check("good.test", List.of(ip("93.184.216.34")));
    assertThatThrownBy(
            () -> p.check("rebind.test", List.of(ip("93.184.216.34"), ip("169.254.169.254"))))
        .isInstanceOfSatisfying(
            FetchException.class,
            e -> assertThat(e.kind()).isEqualTo(FetchException.Kind.FORBIDDEN));
    assertThatThrownBy(() -> p.check("empty.test", List.of()))
        .isInstanceOfSatisfying(
            FetchException.class, e -> assertThat(e.kind()).isEqualTo(FetchException.Kind.FAILED));
  }

  @Test
  void allowListedHostsSkipAddressChecks() throws Exception {
    AddressPolicy p =
        new AddressPolicy(
            List.of("images.internal", "*.cdn.internal"), List.of(), List.of(), List.of());
    p.check("images.internal", List.of(ip("10.0.0.5")));
    p.check("IMAGES.internal.", List.of(ip("10.0.0.5")));
    p.check("a.cdn.internal", List.of(ip("10.0.0.5")));
    assertThat(p.isHostAllowListed("cdn.internal")).isFalse();
    assertThat(p.isHostAllowListed("evilcdn.internal")).isFalse();
    assertThatThrownBy(() -> p.check("other.internal", List.of(ip("10.0.0.5"))))
        .isInstanceOfSatisfying(
            FetchException.class,
            e -> assertThat(e.kind()).isEqualTo(FetchException.Kind.FORBIDDEN));
  }

  @Test
  void ports() {
    assertThat(DEFAULT.isPortAllowed(8080)).isTrue();
    AddressPolicy p = new AddressPolicy(List.of(), List.of(), List.of(), List.of(80, 443));
    assertThat(p.isPortAllowed(443)).isTrue();
    assertThat(p.isPortAllowed(22)).isFalse();
    assertThatThrownBy(() -> new AddressPolicy(List.of(), List.of(), List.of(), List.of(0)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @CsvSource({
    "10.0.0.0/8, 10.200.1.1, true",
    "10.0.0.0/8, 11.0.0.1, false",
    "0.0.0.0/0, 8.8.8.8, true",
    "192.168.1.7, 192.168.1.7, true",
    "192.168.1.7, 192.168.1.8, false",
    "fe80::/10, fe80::1, true",
    "fe80::/10, fec0::1, false",
    "::/0, 2001:db8::1, true",
    "10.0.0.0/8, ::ffff:10.0.0.1, true"
  })
  void cidrContains(String cidr, String address, boolean contained) {
    assertThat(Cidr.parse(cidr).contains(ip(address))).isEqualTo(contained);
  }

  @ParameterizedTest
  @CsvSource({
    "'10.0.0.0/33'",
    "'fe80::/129'",
    "'example.com/8'",
    "'10.0.0/8'",
    "'1.2.3.4/x'",
    "''"
  })
  void badCidrsAreRejectedWithoutDns(String s) {
    assertThatThrownBy(() -> Cidr.parse(s)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void literalParsingNeverResolvesNames() {
    assertThat(Cidr.parseLiteral("localhost")).isNull();
    assertThat(Cidr.parseLiteral("127.1"))
        .isNull(); // not a strict dotted quad: goes to the resolver
    assertThat(Cidr.parseLiteral("256.1.1.1")).isNull();
    assertThat(Cidr.parseLiteral("[::1]")).isNotNull();
  }
}
