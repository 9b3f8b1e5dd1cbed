package io.abcstream.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
}
