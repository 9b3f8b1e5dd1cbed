package io.abcstream.fetch;

import static io.abcstream.fetch.ImageFetcherHttpTest.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.abcstream.model.image.ImageFormat;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Non-HTTP sources through the public fetch(): inline bytes, data:, file:// roots, Flink
 * FileSystem, schemes.
 */
class ImageFetcherSourcesTest {

  @TempDir Path tmp;
  Path root;
  ImageFetcher fetcher;

  @BeforeEach
  void setUp() throws Exception {
    root = Files.createDirectories(tmp.resolve("root"));
    Files.write(root.resolve("a.png"), TestImages.png(2000));
    Files.write(root.resolve("big.png"), TestImages.png(20_000));
    Files.write(tmp.resolve("outside.png"), TestImages.png(100));
    Files.createSymbolicLink(root.resolve("escape.png"), tmp.resolve("outside.png"));
    Configuration options =
        new Configuration()
            .set(FetchOptions.MAX_BYTES, new MemorySize(10_000))
            .set(FetchOptions.FILE_ROOTS, List.of(root.toString()))
            .set(
                FetchOptions.ALLOWED_SCHEMES, List.of("http", "https", "data", "file", "s3", "xyz"))
            .set(FetchOptions.FILESYSTEM_ALLOWED_AUTHORITIES, List.of("s3://bucket", "xyz://host"));
    fetcher =
        ImageFetcher.builder(FetchConfig.fromConfiguration(options))
            .resolver(
                host -> {
                  throw new UnknownHostException(host); // these tests never resolve
                })
            .build();
  }

  @AfterEach
  void tearDown() {
    fetcher.close();
  }

  private FetchedImage ok(ImageRef ref) throws Exception {
    return fetcher.fetch(ref).get(10, TimeUnit.SECONDS);
  }

  private FetchException.Kind kind(ImageRef ref) {
    return failure(fetcher.fetch(ref)).kind();
  }

  @Test
  void inlineBytes() throws Exception {
    FetchedImage img = ok(ImageRef.fromAvro(ByteBuffer.wrap(TestImages.jpeg(500))));
    assertThat(img.format()).isEqualTo(ImageFormat.JPEG);
    assertThat(img.finalUri()).isEqualTo("inline:");
    assertThat(img.attempts()).isEqualTo(1);
    assertThat(kind(ImageRef.ofBytes(TestImages.jpeg(10_001))))
        .isEqualTo(FetchException.Kind.TOO_LARGE);
    assertThat(kind(ImageRef.ofBytes(new byte[] {1, 2, 3})))
        .isEqualTo(FetchException.Kind.UNDECODABLE);
  }

  @Test
  void dataUris() throws Exception {
    String b64 = Base64.getEncoder().encodeToString(TestImages.png(3000));
    assertThat(ok(ImageRef.fromAvro("data:image/png;base64," + b64)).format())
        .isEqualTo(ImageFormat.PNG);
    String big = Base64.getEncoder().encodeToString(TestImages.png(10_001));
    assertThat(kind(ImageRef.ofUri("data:image/png;base64," + big)))
        .isEqualTo(FetchException.Kind.TOO_LARGE);
    assertThat(kind(ImageRef.ofUri("data:nocomma")))
        .isEqualTo(FetchException.Kind.INVALID_REFERENCE);
  }

  @Test
  void filesUnderRootsOnly() throws Exception {
    assertThat(ok(ImageRef.ofUri(root.resolve("a.png").toUri().toString())).bytes()).hasSize(2000);
    assertThat(kind(ImageRef.ofUri(root.resolve("big.png").toUri().toString())))
        .isEqualTo(FetchException.Kind.TOO_LARGE);
    assertThat(kind(ImageRef.ofUri(root.resolve("escape.png").toUri().toString())))
        .isEqualTo(FetchException.Kind.FORBIDDEN);
    assertThat(kind(ImageRef.ofUri(root.toUri() + "../outside.png")))
        .isEqualTo(FetchException.Kind.FORBIDDEN);
  }

  @Test
  void schemesAndUnparseableReferences() {
    assertThat(kind(ImageRef.ofUri("ftp://example.com/a.png")))
        .isEqualTo(FetchException.Kind.FORBIDDEN);
    assertThat(kind(ImageRef.ofUri("gopher://example.com/a.png")))
        .isEqualTo(FetchException.Kind.FORBIDDEN);
    assertThat(kind(ImageRef.ofUri("not a uri"))).isEqualTo(FetchException.Kind.INVALID_REFERENCE);
    assertThat(kind(ImageRef.ofUri("/relative/path.png")))
        .isEqualTo(FetchException.Kind.INVALID_REFERENCE);
    assertThat(kind(ImageRef.ofUri("http:///nohost")))
        .isEqualTo(FetchException.Kind.INVALID_REFERENCE);
  }

  @Test
  void allowedSchemeWithoutAFlinkPluginFailsClearly() {
    FetchException s3 = failure(fetcher.fetch(ImageRef.ofUri("s3://bucket/key.png")));
    assertThat(s3.kind()).isEqualTo(FetchException.Kind.FAILED);
    assertThat(s3.retryable()).isFalse();
    assertThat(s3.getMessage()).contains("no Flink FileSystem plugin for scheme 's3'");
    assertThat(failure(fetcher.fetch(ImageRef.ofUri("xyz://host/a.png"))).getMessage())
        .contains("plugin");
  }

  @Test
  void flinkFileSystemReadsAreBounded() throws Exception {
    // The local file system stands in for a plugin file system here.
    assertThat(FlinkFileSystemSource.read(root.resolve("a.png").toUri(), 10_000)).hasSize(2000);
    FetchException e =
        catchThrowableOfType(
            FetchException.class,
            () -> FlinkFileSystemSource.read(root.resolve("big.png").toUri(), 10_000));
    assertThat(e.kind()).isEqualTo(FetchException.Kind.TOO_LARGE);
    FetchException missing =
        catchThrowableOfType(
            FetchException.class,
            () -> FlinkFileSystemSource.read(root.resolve("nope.png").toUri(), 10_000));
    assertThat(missing.kind()).isEqualTo(FetchException.Kind.FAILED);
  }

  @Test
  void fileSchemeNeverGoesThroughFlinkWhenRootsAreEmpty() {
    try (ImageFetcher f = ImageFetcher.create(FetchConfig.defaults())) {
      FetchException e = failure(f.fetch(ImageRef.ofUri(root.resolve("a.png").toUri().toString())));
      assertThat(e.kind()).isEqualTo(FetchException.Kind.FORBIDDEN);
    }
  }

  @Test
  void fileSystemSchemesNeedAnAllowedAuthorityAndAreRefusedBeforeOpeningAFileSystem() {
    // Every scheme the old default listed, but no authority: nothing is read, nothing contacted
    // (FORBIDDEN, not the "no plugin" FAILED that FileSystem.get would give).
    Configuration legacy =
        new Configuration()
            .set(
                FetchOptions.ALLOWED_SCHEMES,
                List.of(
                    "https", "http", "data", "file", "s3", "s3a", "s3p", "gs", "hdfs", "abfs",
                    "abfss", "wasb", "wasbs", "oss"));
    try (ImageFetcher f = ImageFetcher.create(FetchConfig.fromConfiguration(legacy))) {
      for (String uri :
          List.of(
              "hdfs://10.0.0.5:8020/x",
              "s3://any-bucket/x",
              "s3a://any-bucket/x",
              "gs://any-bucket/x",
              "abfs://container@account.dfs.core.windows.net/x",
              "wasb://container@account.blob.core.windows.net/x",
              "oss://bucket/x",
              "hdfs:///default-namenode/x",
              "s3://AKIAKEY:s3cr3t@any-bucket/x")) {
        FetchException e = failure(f.fetch(ImageRef.ofUri(uri)));
        assertThat(e.kind()).as(uri).isEqualTo(FetchException.Kind.FORBIDDEN);
        assertThat(e.getMessage()).as(uri).doesNotContain("s3cr3t").doesNotContain("plugin");
      }
    }
    // With defaults the FileSystem schemes are not even accepted.
    try (ImageFetcher f = ImageFetcher.create(FetchConfig.defaults())) {
      assertThat(failure(f.fetch(ImageRef.ofUri("s3://any-bucket/x"))).kind())
          .isEqualTo(FetchException.Kind.FORBIDDEN);
      assertThat(failure(f.fetch(ImageRef.ofUri("hdfs://10.0.0.5:8020/x"))).kind())
          .isEqualTo(FetchException.Kind.FORBIDDEN);
    }
    // Only the listed authority passes the policy (and then fails for want of a plugin here).
    assertThat(kind(ImageRef.ofUri("s3://other-bucket/key.png")))
        .isEqualTo(FetchException.Kind.FORBIDDEN);
    assertThat(kind(ImageRef.ofUri("s3://bucket.evil/key.png")))
        .isEqualTo(FetchException.Kind.FORBIDDEN);
    assertThat(failure(fetcher.fetch(ImageRef.ofUri("s3://BUCKET/key.png"))).getMessage())
        .contains("no Flink FileSystem plugin");
  }

  @Test
  void fileRootsEnableFileUrisWithTheDefaultSchemes() throws Exception {
    FetchConfig config =
        FetchConfig.fromConfiguration(
            new Configuration().set(FetchOptions.FILE_ROOTS, List.of(root.toString())));
    assertThat(config.allowedSchemes()).doesNotContain("file");
    try (ImageFetcher f = ImageFetcher.create(config)) {
      FetchedImage img =
          f.fetch(ImageRef.ofUri(root.resolve("a.png").toUri().toString()))
              .get(10, TimeUnit.SECONDS);
      assertThat(img.bytes()).hasSize(2000);
      FetchException escape =
          failure(f.fetch(ImageRef.ofUri(root.resolve("escape.png").toUri().toString())));
      assertThat(escape.kind()).isEqualTo(FetchException.Kind.FORBIDDEN);
      assertThat(escape.getMessage()).doesNotContain(tmp.toString());
      FetchException notADirectory =
          failure(f.fetch(ImageRef.ofUri(tmp.resolve("outside.png").toUri() + "/x")));
      assertThat(notADirectory.kind()).isEqualTo(FetchException.Kind.FORBIDDEN);
      assertThat(notADirectory.getMessage()).doesNotContain("Not a directory");
    }
  }
}
