package io.abcstream.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UriRedactionTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "https://h/a.jpg | https://h/a.jpg",
        "https://b.s3.amazonaws.com/k.jpg?X-Amz-Signature=abc&X-Amz-Credential=AKIA"
            + " | https://b.s3.amazonaws.com/k.jpg?<redacted>",
        "https://user:hunter2@h:8443/p | https://<redacted>@h:8443/p",
        "http://h/p#access_token=tok | http://h/p#<redacted>",
        "HTTP 403 from https://h/x?sig=s3cr3t | HTTP 403 from https://h/x?<redacted>",
        "gave up (https://h/x?sig=1) after 3 | gave up (https://h/x?<redacted>) after 3",
        "redirect https://a/x?t=1 -> 'https://b/y?t=2' | redirect https://a/x?<redacted> -> 'https://b/y?<redacted>'",
        "s3://bucket/key?versionId=7 | s3://bucket/key?<redacted>",
        "no url here: a?b=c | no url here: a?b=c",
        "data:image/png;base64,AAAA | data:image/png;base64,AAAA",
        "file:///images/a.jpg | file:///images/a.jpg",
        "host https://h/a@b/c?q | host https://h/a@b/c?<redacted>",
      })
  void hidesUserinfoQueryAndFragment(String text, String expected) {
    assertThat(UriRedaction.redact(text)).isEqualTo(expected);
  }

  @Test
  void nullStaysNull() {
    assertThat(UriRedaction.redact(null)).isNull();
  }
}
