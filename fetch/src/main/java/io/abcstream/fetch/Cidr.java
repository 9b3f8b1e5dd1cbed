package io.abcstream.fetch;

import java.io.Serializable;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.regex.Pattern;

/** An IPv4 or IPv6 address block in CIDR notation, parsed without any DNS lookup. */
public final class Cidr implements Serializable {

  private static final long serialVersionUID = 1L;
  private static final Pattern DOTTED_QUAD =
      Pattern.compile(
          "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");

  private final byte[] network;
  private final int prefix;
  private final String text;

  private Cidr(byte[] network, int prefix, String text) {
    this.network = network;
    this.prefix = prefix;
    this.text = text;
  }

  /** Parses {@code a.b.c.d/n}, {@code v6::/n} or a bare address (a /32 or /128). */
  public static Cidr parse(String s) {
    if (s == null || s.isBlank()) {
      throw new IllegalArgumentException("empty CIDR");
    }
    String t = s.trim();
    int slash = t.indexOf('/');
    String addr = slash < 0 ? t : t.substring(0, slash);
    InetAddress a = parseLiteral(addr);
    if (a == null) {
      throw new IllegalArgumentException("not an IP literal in CIDR '" + s + "'");
    }
    byte[] bytes = a.getAddress();
    // A v4-mapped literal (::ffff:a.b.c.d) comes back as Inet4Address; keep the written family's
    // width.
    if (addr.contains(":") && bytes.length == 4) {
      byte[] v6 = new byte[16];
      v6[10] = (byte) 0xFF;
      v6[11] = (byte) 0xFF;
      System.arraycopy(bytes, 0, v6, 12, 4);
      bytes = v6;
    }
    int max = bytes.length * 8;
    int prefix;
    try {
      prefix = slash < 0 ? max : Integer.parseInt(t.substring(slash + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad prefix length in CIDR '" + s + "'", e);
    }
    if (prefix < 0 || prefix > max) {
      throw new IllegalArgumentException("prefix length out of range in CIDR '" + s + "'");
    }
    return new Cidr(mask(bytes, prefix), prefix, t);
  }

  /**
   * Parses an IPv4 dotted quad or an IPv6 literal (optionally in brackets); null for anything else.
   * Never resolves names: strings without ':' that are not strict dotted quads return null.
   */
  public static InetAddress parseLiteral(String s) {
    if (s == null || s.isEmpty()) {
      return null;
    }
    String t = s;
    if (t.startsWith("[") && t.endsWith("]")) {
      t = t.substring(1, t.length() - 1);
    }
    try {
      if (DOTTED_QUAD.matcher(t).matches()) {
        String[] parts = t.split("\\.");
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
          b[i] = (byte) Integer.parseInt(parts[i]);
        }
        return InetAddress.getByAddress(b);
      }
      if (t.indexOf(':') >= 0 && t.matches("[0-9A-Fa-f:.%a-zA-Z0-9_-]+")) {
        // With a ':' the JDK treats the string as an IPv6 literal and never asks DNS.
        return InetAddress.getByName(t);
      }
    } catch (UnknownHostException e) {
      return null;
    }
    return null;
  }

  public boolean contains(InetAddress a) {
    byte[] b = a.getAddress();
    if (b.length != network.length) {
      return false;
    }
    return Arrays.equals(mask(b, prefix), network);
  }

  private static byte[] mask(byte[] b, int prefix) {
    byte[] out = b.clone();
    for (int i = 0; i < out.length; i++) {
      int bitsHere = Math.max(0, Math.min(8, prefix - i * 8));
      out[i] = (byte) (out[i] & (0xFF00 >> bitsHere));
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cidr c && c.prefix == prefix && Arrays.equals(c.network, network);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(network) * 31 + prefix;
  }

  @Override
  public String toString() {
    return text;
  }
}
