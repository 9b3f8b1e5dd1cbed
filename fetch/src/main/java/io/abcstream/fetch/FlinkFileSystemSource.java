package io.abcstream.fetch;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.fs.UnsupportedFileSystemSchemeException;

/**
 * Reads s3://, gs://, hdfs://, ... through Flink's FileSystem plugins (blocking; callers run it on
 * a bounded pool).
 *
 * <p>An allowed scheme whose plugin is missing fails with FETCH_FAILED (not retryable), not
 * FETCH_FORBIDDEN: the policy said yes, the deployment lacks the plugin, and the message names the
 * scheme so operators can fix it.
 */
final class FlinkFileSystemSource {

  private FlinkFileSystemSource() {}

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
