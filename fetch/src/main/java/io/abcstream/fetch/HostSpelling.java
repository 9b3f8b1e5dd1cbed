package io.abcstream.fetch;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Host spellings refused before any DNS lookup: non-canonical numbers, zone ids, metadata names.
 */
public final class HostSpelling {

  private static final Pattern DOTTED_QUAD =
      Pattern.compile(
          "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");

  /** A label that inet_aton, browsers or the JDK may read as a number: decimal, octal or hex. */
  private static final Pattern NUMERIC_LABEL = Pattern.compile("\\d+|0[xX][0-9a-fA-F]*");

  private static final Pattern IPV6_CHARS = Pattern.compile("[0-9a-fA-F:.]+");

  /**
   * Names that resolve to a cloud provider's instance metadata service inside its networks; refused
   * by name because the answer may only exist there, and a lookup leaks the probe anyway.
   */
  public static final Set<String> METADATA_NAMES =
      Set.of(
          "metadata",
          "metadata.google.internal",
          "metadata.goog",
          "instance-data",
          "instance-data.ec2.internal",
          "metadata.tencentyun.com");

  private HostSpelling() {}

  /**
   * Why {@code host} (as written in a URL authority, IPv6 in brackets) must not be fetched, or null
   * when it is a canonical dotted quad, a plain IPv6 literal or a host name that is not a metadata
   * name. Never resolves anything.
   */
  public static String forbiddenReason(String host) {
    if (host == null || host.isEmpty()) {
      return null; // a missing host is a malformed URL, not a spelling
    }
    if (host.startsWith("[")) {
      return ipv6Reason(host);
    }
    if (host.indexOf('%') >= 0) {
      // Browsers decode %31%32%37.0.0.1 to 127.0.0.1; a reference must spell its host plainly.
      return "percent-encoded host";
    }
    String h = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    String lastLabel = h.substring(h.lastIndexOf('.') + 1);
    if (NUMERIC_LABEL.matcher(lastLabel).matches()) {
      // No DNS name ends in a numeric label: resolvers read such hosts as IPv4 in one of several
      // ways (127.1, 0177.0.0.1, 0x7f000001, 2130706433), so only the dotted quad is accepted.
      if (h.equals(host) && DOTTED_QUAD.matcher(h).matches()) {
        return null;
      }
      return "non-canonical numeric host (write the address as a dotted quad)";
    }
    String lower = h.toLowerCase(Locale.ROOT);
    if (METADATA_NAMES.contains(lower)) {
      return "cloud metadata host name";
    }
    if (lower.equals("localhost") || lower.endsWith(".localhost")) {
      // RFC 6761 reserves these names for loopback; resolvers answer them (or not) locally, so a
      // lookup proves nothing. A loopback image server is reached by its dotted quad and a CIDR.
      return "loopback name (localhost is reserved; write the address)";
    }
    return null;
  }

  private static String ipv6Reason(String bracketed) {
    String inner =
        bracketed.endsWith("]") ? bracketed.substring(1, bracketed.length() - 1) : bracketed;
    if (inner.indexOf('%') >= 0) {
      // A zone id picks an interface: link-local targets the address policy cannot judge.
      return "IPv6 zone id";
    }
    if (!IPV6_CHARS.matcher(inner).matches()) {
      return "malformed IPv6 literal";
    }
    int dot = inner.indexOf('.');
    if (dot >= 0) {
      String tail = inner.substring(inner.lastIndexOf(':') + 1);
      if (!DOTTED_QUAD.matcher(tail).matches()) {
        return "non-canonical IPv4 part in IPv6 literal";
      }
    }
    return null;
  }
}
