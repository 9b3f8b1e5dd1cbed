package io.abcstream.fetch;

import java.io.Serializable;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * SSRF policy: which hosts, resolved addresses and ports a fetch may connect to.
 *
 * <p>Order of decisions for one resolved address: an allow-listed host skips address checks; an
 * address in an allowed CIDR is allowed; an address in a denied CIDR (built-in or configured) is
 * denied; an IPv6 address that embeds an IPv4 address (mapped, compatible, translated, 6to4, NAT64,
 * Teredo) is judged by the embedded IPv4 address; anything else is allowed.
 */
public final class AddressPolicy implements Serializable {

  private static final long serialVersionUID = 1L;

  /**
   * Ranges no public image can live on: loopback, private, link-local (metadata), CGNAT, multicast,
   * ....
   */
  public static final List<String> DEFAULT_DENIED =
      List.of(
          "0.0.0.0/8", // "this network", unspecified
          "10.0.0.0/8", // private
          "100.64.0.0/10", // CGNAT
          "127.0.0.0/8", // loopback
          "169.254.0.0/16", // link-local incl. cloud metadata 169.254.169.254
          "172.16.0.0/12", // private
          "192.0.0.0/24", // IETF protocol assignments
          "192.0.2.0/24", // TEST-NET-1
          "192.88.99.0/24", // 6to4 relay anycast
          "192.168.0.0/16", // private
          "198.18.0.0/15", // benchmarking
          "198.51.100.0/24", // TEST-NET-2
          "203.0.113.0/24", // TEST-NET-3
          "224.0.0.0/4", // multicast
          "240.0.0.0/4", // reserved, incl. broadcast 255.255.255.255
          "::/128", // unspecified
          "::1/128", // loopback
          "100::/64", // discard-only
          "2001:2::/48", // benchmarking
          "2001:10::/28", // ORCHID
          "2001:db8::/32", // documentation
          "64:ff9b:1::/48", // local-use NAT64
          "fc00::/7", // unique local
          "fe80::/10", // link-local
          "fec0::/10", // site-local (deprecated, still routable inside some networks)
          "ff00::/8"); // multicast

  private final List<Cidr> denied;
  private final List<Cidr> allowed;
  private final Set<String> allowedHosts;
  private final Set<Integer> allowedPorts;

  /**
   * @param allowedHosts host names exempt from address checks; {@code *.example.com} matches
   *     sub-domains
   * @param allowedCidrs address blocks allowed even inside denied ranges
   * @param extraDeniedCidrs blocks denied in addition to {@link #DEFAULT_DENIED}
   * @param allowedPorts when not empty, the only ports a URL may name (after defaulting 80/443)
   */
  public AddressPolicy(
      Collection<String> allowedHosts,
      Collection<String> allowedCidrs,
      Collection<String> extraDeniedCidrs,
      Collection<Integer> allowedPorts) {
    List<Cidr> d = new ArrayList<>();
    DEFAULT_DENIED.forEach(s -> d.add(Cidr.parse(s)));
    extraDeniedCidrs.forEach(s -> d.add(Cidr.parse(s)));
    this.denied = List.copyOf(d);
    this.allowed = allowedCidrs.stream().map(Cidr::parse).toList();
    Set<String> hosts = new TreeSet<>();
    for (String h : allowedHosts) {
      String n = normalizeHost(h);
      if (n.isEmpty()) {
        throw new IllegalArgumentException("empty allowed host");
      }
      hosts.add(n);
    }
    this.allowedHosts = Set.copyOf(hosts);
    for (Integer p : allowedPorts) {
      if (p == null || p < 1 || p > 65535) {
        throw new IllegalArgumentException("allowed port out of range: " + p);
      }
    }
    this.allowedPorts = Set.copyOf(allowedPorts);
  }

  /** The default policy: built-in denials only, no allow-lists, any port. */
  public static AddressPolicy defaults() {
    return new AddressPolicy(List.of(), List.of(), List.of(), List.of());
  }

  public boolean isHostAllowListed(String host) {
    String h = normalizeHost(host);
    if (allowedHosts.contains(h)) {
      return true;
    }
    for (String a : allowedHosts) {
      if (a.startsWith("*.") && h.endsWith(a.substring(1)) && h.length() > a.length() - 1) {
        return true;
      }
    }
    return false;
  }

  public boolean isPortAllowed(int port) {
    return allowedPorts.isEmpty() || allowedPorts.contains(port);
  }

  /**
   * Where an http(s) URL may connect, before any DNS lookup.
   *
   * @param host the host as the resolver and the per-host limit take it (no IPv6 brackets)
   * @param port the URL's port, or the scheme's default
   * @param literal the address when the host is an IP literal, else null (resolve {@code host})
   */
  public record Target(String host, int port, InetAddress literal) {}

  /**
   * Checks what an http(s) URL names without resolving it: INVALID_REFERENCE for a missing host or
   * a port outside 1..65535; FORBIDDEN for user info, a non-canonical numeric host, an IPv6 zone
   * id, a cloud metadata name or a port not allowed. The caller still checks every resolved
   * address.
   */
  public Target target(URI uri, String scheme) throws FetchException {
    UrlAuthority authority;
    try {
      authority = UrlAuthority.parse(uri.getRawAuthority());
    } catch (IllegalArgumentException e) {
      throw FetchException.invalid(e.getMessage(), null);
    }
    if (authority.userInfo() != null) {
      throw FetchException.forbidden("credentials (userinfo) in URLs are not allowed");
    }
    String spelling = HostSpelling.forbiddenReason(authority.host());
    if (spelling != null) {
      throw FetchException.forbidden(
          "host denied by SSRF policy: " + spelling + " (" + authority.host() + ")");
    }
    if (uri.getHost() == null) {
      // What URI cannot parse as a host, the HTTP client cannot connect to either.
      throw FetchException.invalid("URL has no valid host: " + authority.host(), null);
    }
    int port = authority.port() >= 0 ? authority.port() : (scheme.equals("https") ? 443 : 80);
    if (!isPortAllowed(port)) {
      throw FetchException.forbidden("port " + port + " is not allowed");
    }
    String bare = authority.bareHost();
    return new Target(bare, port, Cidr.parseLiteral(bare));
  }

  /** Null when the address may be contacted, otherwise why not. */
  public String denialReason(InetAddress address) {
    for (Cidr c : allowed) {
      if (c.contains(address)) {
        return null;
      }
    }
    for (Cidr c : denied) {
      if (c.contains(address)) {
        return address.getHostAddress() + " is in denied range " + c;
      }
    }
    if (address instanceof Inet6Address) {
      for (Inet4Address v4 : embeddedIpv4(address.getAddress())) {
        String r = denialReason(v4);
        if (r != null) {
          return address.getHostAddress() + " embeds " + r;
        }
      }
    }
    return null;
  }

  /**
   * Checks every resolved address of {@code host}; one denied address denies the host (no "pick a
   * good one").
   */
  public void check(String host, List<InetAddress> addresses) throws FetchException {
    if (addresses.isEmpty()) {
      throw FetchException.failed("host " + host + " resolved to no address", false, null);
    }
    if (isHostAllowListed(host)) {
      return;
    }
    for (InetAddress a : addresses) {
      String reason = denialReason(a);
      if (reason != null) {
        throw FetchException.forbidden("host " + host + " denied by SSRF policy: " + reason);
      }
    }
  }

  /** IPv4 addresses carried inside an IPv6 address by the usual transition mechanisms. */
  static List<Inet4Address> embeddedIpv4(byte[] b) {
    List<Inet4Address> out = new ArrayList<>(2);
    if (b.length != 16) {
      return out;
    }
    boolean first10Zero = true;
    for (int i = 0; i < 10; i++) {
      first10Zero &= b[i] == 0;
    }
    int w5 = ((b[10] & 0xFF) << 8) | (b[11] & 0xFF);
    if (first10Zero && (w5 == 0xFFFF || w5 == 0)) {
      // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible)
      out.add(v4(b, 12, false));
    }
    boolean translated = b[8] == (byte) 0xFF && b[9] == (byte) 0xFF && b[10] == 0 && b[11] == 0;
    for (int i = 0; i < 8; i++) {
      translated &= b[i] == 0;
    }
    if (translated) {
      out.add(v4(b, 12, false)); // ::ffff:0:a.b.c.d (SIIT translated)
    }
    if (b[0] == 0x20 && b[1] == 0x02) {
      out.add(v4(b, 2, false)); // 6to4 2002:AABB:CCDD::/48
    }
    boolean nat64 = b[0] == 0 && b[1] == 0x64 && b[2] == (byte) 0xFF && b[3] == (byte) 0x9B;
    for (int i = 4; i < 12; i++) {
      nat64 &= b[i] == 0;
    }
    if (nat64) {
      out.add(v4(b, 12, false)); // 64:ff9b::a.b.c.d
    }
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0) {
      out.add(v4(b, 4, false)); // Teredo server
      out.add(v4(b, 12, true)); // Teredo client, stored inverted
    }
    return out;
  }

  private static Inet4Address v4(byte[] b, int off, boolean invert) {
    byte[] a = new byte[4];
    for (int i = 0; i < 4; i++) {
      a[i] = invert ? (byte) ~b[off + i] : b[off + i];
    }
    try {
      return (Inet4Address) InetAddress.getByAddress(a);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e); // 4 bytes is always a valid length
    }
  }

  static String normalizeHost(String host) {
    String h = host.trim().toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
  }
}
