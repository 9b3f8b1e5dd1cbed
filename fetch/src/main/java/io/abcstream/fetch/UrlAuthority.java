package io.abcstream.fetch;

/**
 * The user info, host and port of a URL, split from the raw authority without the JDK's host rules.
 *
 * <p>{@code URI.getHost()} is null for hosts it cannot parse (127.1, 127.0.0.1., names with '_'),
 * which made those spellings look like a missing host; this split keeps the host as written so that
 * the spelling can be judged, and bounds the port, which {@code URI} does not.
 *
 * @param userInfo the part before '@', null when absent
 * @param host the host as written; IPv6 literals keep their brackets
 * @param port 1..65535, or -1 when the authority names none
 */
public record UrlAuthority(String userInfo, String host, int port) {

  public UrlAuthority {
    if (host == null || host.isEmpty()) {
      throw new IllegalArgumentException("URL has no host");
    }
    if (port != -1 && (port < 1 || port > 65535)) {
      throw new IllegalArgumentException("URL port " + port + " is outside 1..65535");
    }
  }

  /**
   * Splits a raw authority ({@code user@host:port}); IllegalArgumentException with a message fit
   * for a dead letter when the host is missing or the port is not a number in 1..65535.
   */
  public static UrlAuthority parse(String rawAuthority) {
    if (rawAuthority == null || rawAuthority.isEmpty()) {
      throw new IllegalArgumentException("URL has no host");
    }
    int at = rawAuthority.lastIndexOf('@');
    String userInfo = at < 0 ? null : rawAuthority.substring(0, at);
    String hostPort = rawAuthority.substring(at + 1);
    String host;
    String portText;
    if (hostPort.startsWith("[")) {
      int close = hostPort.indexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException("URL has an unclosed IPv6 literal");
      }
      host = hostPort.substring(0, close + 1);
      String rest = hostPort.substring(close + 1);
      if (!rest.isEmpty() && !rest.startsWith(":")) {
        throw new IllegalArgumentException("URL has text after its IPv6 literal");
      }
      portText = rest.isEmpty() ? null : rest.substring(1);
      if (host.length() == 2) {
        throw new IllegalArgumentException("URL has no host");
      }
    } else {
      int colon = hostPort.lastIndexOf(':');
      host = colon < 0 ? hostPort : hostPort.substring(0, colon);
      portText = colon < 0 ? null : hostPort.substring(colon + 1);
    }
    return new UrlAuthority(userInfo, host, parsePort(portText));
  }

  private static int parsePort(String text) {
    if (text == null || text.isEmpty()) {
      return -1; // "host:" names no port (RFC 3986): the scheme's default applies
    }
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) < '0' || text.charAt(i) > '9') {
        throw new IllegalArgumentException("URL port is not a number");
      }
    }
    String digits = text.replaceFirst("^0+(?=.)", "");
    int port = digits.length() > 5 ? -1 : Integer.parseInt(digits);
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(
          "URL port "
              + (digits.length() > 12 ? digits.substring(0, 12) + "..." : digits)
              + " is outside 1..65535");
    }
    return port;
  }

  /** The host without IPv6 brackets, as a resolver or the address policy takes it. */
  public String bareHost() {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }
}
