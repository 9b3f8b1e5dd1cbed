package io.abcstream.common;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Hides the secret-bearing parts of URLs (userinfo, query, fragment) in messages and log lines. */
public final class UriRedaction {

  /** What replaces a hidden part. */
  public static final String REDACTED = "<redacted>";

  // scheme://[userinfo@]host-and-path[?query][#fragment]; a pre-signed URL (S3, GCS, Azure SAS)
  // carries its signature and credential in the query, basic-auth URLs in the userinfo. Quotes,
  // angle brackets and closing brackets end a URL so that the text around it survives.
  private static final Pattern URL =
      Pattern.compile(
          "(?i)\\b([a-z][a-z0-9+.\\-]*://)([^\\s/?#@\"'<>]*@)?([^\\s?#\"'<>]*)"
              + "(\\?[^\\s#\"'<>)\\]]*)?(#[^\\s\"'<>)\\]]*)?");

  private UriRedaction() {}

  /**
   * {@code text} with every {@code scheme://} URL in it reduced to scheme, host and path: userinfo,
   * query and fragment become {@link #REDACTED}. Works on a bare URL and on a message that quotes
   * one or more; {@code null} stays {@code null}.
   */
  public static String redact(String text) {
    if (text == null || text.indexOf("://") < 0) {
      return text;
    }
    Matcher m = URL.matcher(text);
    StringBuilder out = new StringBuilder(text.length());
    while (m.find()) {
      StringBuilder url = new StringBuilder(m.group(1));
      if (m.group(2) != null) {
        url.append(REDACTED).append('@');
      }
      url.append(m.group(3));
      if (m.group(4) != null) {
        url.append('?').append(REDACTED);
      }
      if (m.group(5) != null) {
        url.append('#').append(REDACTED);
      }
      m.appendReplacement(out, Matcher.quoteReplacement(url.toString()));
    }
    m.appendTail(out);
    return out.toString();
  }
}
