package io.abcstream.fetch;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Collection;
import java.util.Locale;
import java.util.Set;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.fs.UnsupportedFileSystemSchemeException;

/**
 * Reads s3://, gs://, hdfs://, ... through Flink's FileSystem plugins (blocking; callers run it on
 * a bounded pool).
 *
 * <p>A FileSystem is read with the TaskManager's own credentials and network reach, so a reference
 * is read only when its {@code scheme://authority} (bucket, container, namenode) is listed in
 * {@code fetch.filesystem.allowed-authorities}; anything else is FETCH_FORBIDDEN.
 *
 * <p>An allowed authority whose plugin is missing fails with FETCH_FAILED (not retryable), not
 * FETCH_FORBIDDEN: the policy said yes, the deployment lacks the plugin, and the message names the
 * scheme so operators can fix it.
 */
final class FlinkFileSystemSource {

  /** Schemes with a policy of their own: never read through a Flink FileSystem. */
  private static final Set<String> OWN_POLICY = Set.of("http", "https", "data", "file");

  private FlinkFileSystemSource() {}

  /**
   * The canonical form ({@code scheme://authority}, lower case) of one allowed-authorities entry;
   * IllegalArgumentException when it is not a FileSystem scheme with an authority and no path.
   */
  static String normalizeAuthority(String entry) {
    URI uri;
    try {
      uri = new URI(entry.trim());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "allowed FileSystem authority '" + entry + "' does not parse: " + e.getMessage(), e);
    }
    String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
    if (scheme == null || OWN_POLICY.contains(scheme)) {
      throw new IllegalArgumentException(
          "allowed FileSystem authority '"
              + entry
              + "' must name a FileSystem scheme such as s3:// or hdfs:// (http, https and data "
              + "have the address policy, file has fetch.file.roots)");
    }
    String authority = uri.getRawAuthority();
    boolean bare =
        (uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/"))
            && uri.getRawQuery() == null
            && uri.getRawFragment() == null;
    if (authority == null || authority.isEmpty() || !bare) {
      throw new IllegalArgumentException(
          "allowed FileSystem authority '"
              + entry
              + "' must be scheme://authority, e.g. s3://my-bucket or hdfs://namenode:8020");
    }
    return scheme + "://" + authority.toLowerCase(Locale.ROOT);
  }

  /**
   * FORBIDDEN unless the URI's {@code scheme://authority} is one of {@code allowed} (normalized by
   * {@link #normalizeAuthority}).
   */
  static void checkAllowed(URI uri, Collection<String> allowed) throws FetchException {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    String authority = uri.getRawAuthority();
    if (authority == null
        || authority.isEmpty()
        || !allowed.contains(scheme + "://" + authority.toLowerCase(Locale.ROOT))) {
      // The authority is not echoed: it may carry credentials (s3://key:secret@bucket).
      throw FetchException.forbidden(
          scheme + ":// reference outside fetch.filesystem.allowed-authorities");
    }
  }

  static byte[] read(URI uri, long maxBytes) throws FetchException {
    FileSystem fs;
    try {
      fs = FileSystem.get(uri);
    } catch (UnsupportedFileSystemSchemeException e) {
      throw FetchException.failed(
          "no Flink FileSystem plugin for scheme '"
              + uri.getScheme()
              + "' (add it under plugins/): "
              + e.getMessage(),
          false,
          e);
    } catch (IOException | RuntimeException e) {
      throw FetchException.failed(
          "cannot open FileSystem for " + uri + ": " + e.getMessage(), true, e);
    }
    Path path = new Path(uri);
    try {
      FileStatus status = fs.getFileStatus(path);
      if (status.isDir()) {
        throw FetchException.failed(uri + " is a directory", false, null);
      }
      if (status.getLen() > maxBytes) {
        throw FetchException.tooLarge(
            uri + " has " + status.getLen() + " bytes, limit " + maxBytes);
      }
      try (InputStream in = fs.open(path)) {
        return BoundedRead.readAll(in, maxBytes, status.getLen(), uri.toString());
      }
    } catch (FileNotFoundException e) {
      throw FetchException.failed("not found: " + uri, false, e);
    } catch (IOException e) {
      throw FetchException.failed("cannot read " + uri + ": " + e.getMessage(), true, e);
    }
  }
}
