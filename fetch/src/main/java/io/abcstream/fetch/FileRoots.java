package io.abcstream.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * file:// access confined to configured root directories, judged on the real path after following
 * symlinks.
 */
public final class FileRoots {

  private final List<Path> roots;

  public FileRoots(List<String> roots) {
    List<Path> r = new ArrayList<>();
    for (String s : roots) {
      r.add(Paths.get(s).toAbsolutePath().normalize());
    }
    this.roots = List.copyOf(r);
  }

  /**
   * The real path of a file:// URI if it lies under a root; FORBIDDEN otherwise, FAILED when
   * missing.
   */
  public Path resolve(URI uri) throws FetchException {
    if (roots.isEmpty()) {
      throw FetchException.forbidden("file:// is disabled (no file roots configured)");
    }
    String authority = uri.getRawAuthority();
    if (authority != null && !authority.isEmpty() && !authority.equalsIgnoreCase("localhost")) {
      throw FetchException.forbidden("file:// with a remote host is not allowed: " + authority);
    }
    Path path;
    try {
      path =
          Paths.get(
              authority == null || authority.isEmpty()
                  ? uri
                  : URI.create("file://" + uri.getRawPath()));
    } catch (IllegalArgumentException | FileSystemNotFoundException e) {
      throw FetchException.invalid("bad file URI: " + e.getMessage(), e);
    }
    Path real;
    try {
      real = path.toRealPath();
    } catch (NoSuchFileException e) {
      // Say "not found" only for paths under a root, so probing outside the roots learns nothing.
      if (underAnyRoot(path.normalize())) {
        throw FetchException.failed("file not found: " + path, false, e);
      }
      throw FetchException.forbidden("file " + path + " is outside the configured roots");
    } catch (IOException e) {
      throw FetchException.failed("cannot resolve " + path + ": " + e.getMessage(), false, e);
    }
    if (!underAnyRoot(real)) {
      throw FetchException.forbidden(
          "file " + path + " resolves to " + real + ", outside the configured roots");
    }
    if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
      throw FetchException.failed("not a regular file: " + real, false, null);
    }
    return real;
  }

  /**
   * Reads a file already returned by {@link #resolve}: size checked before reading, limit enforced
   * while reading.
   */
  public static byte[] read(Path real, long maxBytes) throws FetchException {
    try {
      long size = Files.size(real);
      if (size > maxBytes) {
        throw FetchException.tooLarge(
            "file " + real + " has " + size + " bytes, limit " + maxBytes);
      }
      // NOFOLLOW: the path is already real, so a symlink appearing now is a swap attempt.
      try (InputStream in = Files.newInputStream(real, LinkOption.NOFOLLOW_LINKS)) {
        return BoundedRead.readAll(in, maxBytes, size, "file " + real);
      }
    } catch (IOException e) {
      throw FetchException.failed("cannot read " + real + ": " + e.getMessage(), true, e);
    }
  }

  private boolean underAnyRoot(Path p) {
    for (Path root : roots) {
      Path rootReal;
      try {
        rootReal = root.toRealPath();
      } catch (IOException e) {
        continue; // a missing root contains nothing
      }
      if (p.startsWith(rootReal)) {
        return true;
      }
    }
    return false;
  }
}
