package io.abcstream.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileRootsTest {

  @TempDir Path tmp;
  Path root;
  Path outside;
  FileRoots roots;

  @BeforeEach
  void setUp() throws Exception {
    root = Files.createDirectories(tmp.resolve("images"));
    outside = Files.createDirectories(tmp.resolve("secret"));
    Files.write(root.resolve("a.png"), TestImages.png(100));
    Files.createDirectories(root.resolve("sub"));
    Files.write(root.resolve("sub/b.jpg"), TestImages.jpeg(100));
    Files.write(outside.resolve("passwd"), TestImages.png(100));
    roots = new FileRoots(List.of(root.toString()));
  }

  private FetchException.Kind kindOf(URI uri) {
    FetchException e = catchThrowableOfType(FetchException.class, () -> roots.resolve(uri));
    assertThat(e).as("expected a failure for %s", uri).isNotNull();
    return e.kind();
  }

  @Test
  void filesUnderTheRootResolve() throws Exception {
    assertThat(roots.resolve(root.resolve("a.png").toUri()))
        .isEqualTo(root.resolve("a.png").toRealPath());
    assertThat(
            roots.resolve(
                URI.create("file://localhost" + root.resolve("sub/b.jpg").toUri().getRawPath())))
        .isEqualTo(root.resolve("sub/b.jpg").toRealPath());
    assertThat(FileRoots.read(roots.resolve(root.resolve("a.png").toUri()), 1000)).hasSize(100);
  }

  @Test
  void dotDotAndSymlinkEscapesAreForbidden() throws Exception {
    assertThat(kindOf(URI.create(root.toUri() + "../secret/passwd")))
        .isEqualTo(FetchException.Kind.FORBIDDEN);
    assertThat(kindOf(URI.create(root.toUri() + "sub/../../secret/passwd")))
        .isEqualTo(FetchException.Kind.FORBIDDEN);
    Files.createSymbolicLink(root.resolve("link.png"), outside.resolve("passwd"));
    assertThat(kindOf(root.resolve("link.png").toUri())).isEqualTo(FetchException.Kind.FORBIDDEN);
    Files.createSymbolicLink(root.resolve("dirlink"), outside);
    assertThat(kindOf(root.resolve("dirlink/passwd").toUri()))
        .isEqualTo(FetchException.Kind.FORBIDDEN);
    assertThat(kindOf(outside.resolve("passwd").toUri())).isEqualTo(FetchException.Kind.FORBIDDEN);
    // A sibling directory sharing the root's name prefix is not inside it.
    Path sibling = Files.createDirectories(tmp.resolve("images2"));
    Files.write(sibling.resolve("x.png"), TestImages.png(10));
    assertThat(kindOf(sibling.resolve("x.png").toUri())).isEqualTo(FetchException.Kind.FORBIDDEN);
  }

  @Test
  void symlinkInsideTheRootIsFine() throws Exception {
    Files.createSymbolicLink(root.resolve("alias.png"), root.resolve("a.png"));
    assertThat(roots.resolve(root.resolve("alias.png").toUri()))
        .isEqualTo(root.resolve("a.png").toRealPath());
  }

  @Test
  void missingDirectoriesRemoteHostsAndNoRoots() {
    assertThat(kindOf(root.resolve("missing.png").toUri())).isEqualTo(FetchException.Kind.FAILED);
    assertThat(kindOf(outside.resolve("missing.png").toUri()))
        .isEqualTo(FetchException.Kind.FORBIDDEN);
    assertThat(kindOf(root.resolve("sub").toUri())).isEqualTo(FetchException.Kind.FAILED);
    assertThat(kindOf(URI.create("file://fileserver/share/a.png")))
        .isEqualTo(FetchException.Kind.FORBIDDEN);
    FileRoots none = new FileRoots(List.of());
    FetchException e =
        catchThrowableOfType(
            FetchException.class, () -> none.resolve(root.resolve("a.png").toUri()));
    assertThat(e.kind()).isEqualTo(FetchException.Kind.FORBIDDEN);
  }

  @Test
  void sizeIsCheckedBeforeReading() throws Exception {
    Path big = root.resolve("big.png");
    Files.write(big, TestImages.png(5000));
    FetchException e =
        catchThrowableOfType(
            FetchException.class, () -> FileRoots.read(roots.resolve(big.toUri()), 4999));
    assertThat(e.kind()).isEqualTo(FetchException.Kind.TOO_LARGE);
    assertThat(FileRoots.read(roots.resolve(big.toUri()), 5000)).hasSize(5000);
  }

  private FetchException failureOf(URI uri) {
    FetchException e = catchThrowableOfType(FetchException.class, () -> roots.resolve(uri));
    assertThat(e).as("expected a failure for %s", uri).isNotNull();
    return e;
  }

  /** Outside the roots every probe gets the same answer, so none tells what exists there. */
  @Test
  void everythingOutsideTheRootsIsForbiddenWithOneMessageThatNamesNoPath() throws Exception {
    Files.createSymbolicLink(root.resolve("dirlink"), outside);
    Files.createSymbolicLink(root.resolve("filelink"), outside.resolve("passwd"));
    Files.createSymbolicLink(root.resolve("dangling"), outside.resolve("no-such-file"));
    Files.createSymbolicLink(root.resolve("loop"), root.resolve("loop"));
    List<URI> probes =
        List.of(
            outside.resolve("passwd").toUri(), // exists
            outside.resolve("missing").toUri(), // does not
            URI.create(outside.resolve("passwd").toUri() + "/x"), // a file used as a directory
            URI.create("file:///etc/passwd/x"),
            URI.create(root.toUri() + "../secret/passwd/x"),
            root.resolve("dirlink/passwd").toUri(), // through a link to a directory outside
            root.resolve("dirlink/missing").toUri(),
            root.resolve("dirlink/passwd/x").toUri(),
            root.resolve("filelink").toUri(), // a link to a file outside
            URI.create(root.resolve("filelink").toUri() + "/x"),
            root.resolve("dangling").toUri(), // a link whose target outside does not exist
            root.resolve("loop").toUri(),
            URI.create(root.toUri() + "dirlink/../passwd"));
    for (URI probe : probes) {
      FetchException e = failureOf(probe);
      assertThat(e.kind()).as("%s", probe).isEqualTo(FetchException.Kind.FORBIDDEN);
      assertThat(e.getMessage())
          .as("%s", probe)
          .isEqualTo("file is outside the configured roots")
          .doesNotContain(tmp.toString());
    }
  }

  @Test
  void aMissingFileInsideARootFailsNamingThePathAsGivenNeverALinkTarget() throws Exception {
    Path target = Files.createDirectories(root.resolve("real-dir"));
    Files.createSymbolicLink(root.resolve("alias-dir"), target);
    URI viaLink = root.resolve("alias-dir/missing.png").toUri();
    FetchException e = failureOf(viaLink);
    assertThat(e.kind()).isEqualTo(FetchException.Kind.FAILED);
    assertThat(e.getMessage()).contains(viaLink.getPath()).doesNotContain("real-dir");

    // A file used as a directory inside a root is simply not found.
    FetchException notDir = failureOf(URI.create(root.resolve("a.png").toUri() + "/x"));
    assertThat(notDir.kind()).isEqualTo(FetchException.Kind.FAILED);
    assertThat(notDir.getMessage()).doesNotContain("Not a directory");

    // A directory reached through a link is named as given too.
    FetchException dir = failureOf(root.resolve("alias-dir").toUri());
    assertThat(dir.kind()).isEqualTo(FetchException.Kind.FAILED);
    assertThat(dir.getMessage()).contains("alias-dir").doesNotContain("real-dir");
  }

  @Test
  void anUnreadableDirectoryOutsideTheRootsIsForbiddenAndInsideFails() throws Exception {
    assumeFalse("root".equals(System.getProperty("user.name")), "root reads every directory");
    Path locked = Files.createDirectories(outside.resolve("locked"));
    Path lockedInside = Files.createDirectories(root.resolve("locked"));
    Files.setPosixFilePermissions(locked, Set.of());
    Files.setPosixFilePermissions(lockedInside, Set.of());
    try {
      assertThat(kindOf(locked.resolve("x.png").toUri())).isEqualTo(FetchException.Kind.FORBIDDEN);
      Files.createSymbolicLink(root.resolve("to-locked"), locked);
      assertThat(kindOf(root.resolve("to-locked/x.png").toUri()))
          .isEqualTo(FetchException.Kind.FORBIDDEN);
      assertThat(kindOf(lockedInside.resolve("x.png").toUri()))
          .isEqualTo(FetchException.Kind.FAILED);
    } finally {
      Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwx------"));
      Files.setPosixFilePermissions(lockedInside, PosixFilePermissions.fromString("rwx------"));
    }
  }

  @Test
  void readFailuresNameNoPath() throws Exception {
    Path big = root.resolve("big2.png");
    Files.write(big, TestImages.png(5000));
    FetchException e =
        catchThrowableOfType(
            FetchException.class, () -> FileRoots.read(roots.resolve(big.toUri()), 10));
    assertThat(e.getMessage()).doesNotContain(tmp.toString());
  }
}
