package io.abcstream.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
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
   * The real path of a file:// URI if it lies under a root. FORBIDDEN, with one message that names
   * no path, for anything that is or may be outside the roots (lexically, through a symlink, a
   * dangling link, an unreadable directory or a file used as a directory), so a reference learns
   * nothing about files outside; FAILED, naming the path as given, for a missing or non-regular
   * file inside a root.
   */
  public Path resolve(URI uri) throws FetchException {
    if (roots.isEmpty()) {
      throw FetchException.forbidden("file:// is disabled (no file roots configured)");
    }
    String authority = uri.getRawAuthority();
    if (authority != null && !authority.isEmpty() && !authority.equalsIgnoreCase("localhost")) {
      throw FetchException.forbidden("file:// with a remote host is not allowed");
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
    String given = uri.getPath();
    if (!lexicallyUnderAnyRoot(path.normalize())) {
      throw outside();
    }
    Path real;
    try {
      real = path.toRealPath();
    } catch (IOException e) {
      // Whatever made resolution fail (missing, not a directory, no permission, a link loop) is
      // reported only when the deepest existing part of the path is provably inside a root.
      if (!deepestExistingPartIsUnderARoot(path)) {
        throw outside();
      }
      throw FetchException.failed("file not found or not readable: " + given, false, null);
    }
    if (!underAnyRoot(real)) {
      throw outside();
    }
    if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
      throw FetchException.failed("not a regular file: " + given, false, null);
    }
    return real;
  }

  /**
   * Reads a file already returned by {@link #resolve}: size checked before reading, limit enforced
   * while reading. Messages name no path: the resolved one may be a symlink's target.
   */
  public static byte[] read(Path real, long maxBytes) throws FetchException {
    try {
      long size = Files.size(real);
      if (size > maxBytes) {
        throw FetchException.tooLarge("file has " + size + " bytes, limit " + maxBytes);
      }
      // NOFOLLOW: the path is already real, so a symlink appearing now is a swap attempt.
      try (InputStream in = Files.newInputStream(real, LinkOption.NOFOLLOW_LINKS)) {
        return BoundedRead.readAll(in, maxBytes, size, "file");
      }
    } catch (IOException e) {
      throw FetchException.failed("cannot read file: " + e.getClass().getSimpleName(), true, e);
    }
  }

  private static FetchException outside() {
    return FetchException.forbidden("file is outside the configured roots");
  }

  /**
   * Walks up from {@code path} to the first part that exists (not following a final link) and
   * checks that part's real path; a part that exists but does not resolve (a dangling or looping
   * link) proves nothing and counts as outside.
   */
  private boolean deepestExistingPartIsUnderARoot(Path path) {
    for (Path p = path; p != null; p = p.getParent()) {
      if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
        try {
          return underAnyRoot(p.toRealPath());
        } catch (IOException e) {
          return false;
        }
      }
    }
    return false;
  }

  private boolean lexicallyUnderAnyRoot(Path normalized) {
    for (Path root : roots) {
      if (normalized.startsWith(root)) {
        return true;
      }
    }
    // A root may itself be a symlink: a path written through its target is inside too.
    return underAnyRoot(normalized);
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
