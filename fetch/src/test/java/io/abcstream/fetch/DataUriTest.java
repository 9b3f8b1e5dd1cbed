package io.abcstream.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DataUriTest {

  private static final byte[] PNG = TestImages.png(300);

  @Test
  void base64() throws Exception {
    String b64 = Base64.getEncoder().encodeToString(PNG);
    assertThat(DataUri.decode("data:image/png;base64," + b64, 1000)).isEqualTo(PNG);
    assertThat(DataUri.decode("DATA:image/png;BASE64," + b64, 1000)).isEqualTo(PNG);
    assertThat(DataUri.decode("data:;base64," + b64.replace("=", ""), 1000)).isEqualTo(PNG);
    assertThat(
            DataUri.decode(
                "data:image/png;base64," + b64.substring(0, 40) + "\n" + b64.substring(40), 1000))
        .isEqualTo(PNG);
    assertThat(
            DataUri.decode(
                "data:image/png;base64," + Base64.getUrlEncoder().encodeToString(PNG), 1000))
        .isEqualTo(PNG);
    assertThat(
            DataUri.decode(
                "data:image/png;base64," + b64.replace("=", "%3D").replace("/", "%2F"), 1000))
        .isEqualTo(PNG);
  }

  @Test
  void percentEncoded() throws Exception {
    assertThat(DataUri.decode("data:,%89PNG%0D%0A", 100))
        .containsExactly(0x89, 'P', 'N', 'G', 0x0D, 0x0A);
    assertThat(DataUri.decode("data:text/plain,abc", 100)).containsExactly('a', 'b', 'c');
  }

  @Test
  void sizeLimitIsCheckedBeforeDecoding() {
    String b64 = Base64.getEncoder().encodeToString(new byte[3000]);
    FetchException e =
        catchThrowableOfType(
            FetchException.class, () -> DataUri.decode("data:image/png;base64," + b64, 2999));
    assertThat(e.kind()).isEqualTo(FetchException.Kind.TOO_LARGE);
    // Not valid base64 at all, but over the limit: the estimate rejects it before any decoding.
    FetchException e2 =
        catchThrowableOfType(
            FetchException.class, () -> DataUri.decode("data:;base64," + "!".repeat(10_000), 100));
    assertThat(e2.kind()).isEqualTo(FetchException.Kind.TOO_LARGE);
    FetchException e3 =
        catchThrowableOfType(
            FetchException.class, () -> DataUri.decode("data:," + "%00".repeat(101), 100));
    assertThat(e3.kind()).isEqualTo(FetchException.Kind.TOO_LARGE);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "data:image/png;base64",
        "data:;base64,@@@@",
        "data:,%zz",
        "data:,%4",
        "http://x/",
        "data:,caf\u00e9"
      })
  void malformedIsInvalidReference(String uri) {
    FetchException e = catchThrowableOfType(FetchException.class, () -> DataUri.decode(uri, 1000));
    assertThat(e.kind()).isEqualTo(FetchException.Kind.INVALID_REFERENCE);
  }
}
