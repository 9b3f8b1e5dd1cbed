package io.abcstream.schemas.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.abcstream.schemas.EmbeddingFailure;
import io.abcstream.schemas.ErrorClass;
import io.abcstream.schemas.FailureStage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

class DeadLetterCodecTest {

  @Test
  void aLetterWrittenBeforeTheSizeFieldsDecodesWithTheirDefaults() throws Exception {
    Schema v1 = DeadLetterCodec.writerSchemas().get(0);
    assertThat(SingleObjectCodec.fingerprint(v1))
        .isNotEqualTo(SingleObjectCodec.fingerprint(EmbeddingFailure.getClassSchema()));
    GenericRecord old = new GenericData.Record(v1);
    old.put("original_value", ByteBuffer.wrap("req".getBytes(StandardCharsets.UTF_8)));
    old.put("request_id", "r-1");
    old.put("stage", new GenericData.EnumSymbol(v1.getField("stage").schema(), "FETCH"));
    old.put(
        "error_class",
        new GenericData.EnumSymbol(v1.getField("error_class").schema(), "FETCH_FAILED"));
    old.put("message", "404");
    old.put("attempts", 2);
    old.put("failed_at", 5L);

    EmbeddingFailure decoded =
        DeadLetterCodec.of(RecordCodec.Format.AVRO)
            .decode(SingleObjectCodecTest.encodeGeneric(v1, old));

    assertThat(decoded.getRequestId()).isEqualTo("r-1");
    assertThat(decoded.getStage()).isEqualTo(FailureStage.FETCH);
    assertThat(decoded.getErrorClass()).isEqualTo(ErrorClass.FETCH_FAILED);
    assertThat(decoded.getFailedAt()).isEqualTo(Instant.ofEpochMilli(5));
    assertThat(decoded.getOriginalValueTruncated()).isFalse();
    assertThat(decoded.getOriginalValueLength()).isNull();
    assertThat(decoded.getOriginalValueSha256()).isNull();
  }

  @Test
  void aJsonLetterWithoutTheSizeFieldsDecodesWithTheirDefaults() throws Exception {
    String json =
        "{\"request_id\":\"r-2\",\"stage\":\"VALIDATE\",\"error_class\":\"INVALID_REQUEST\","
            + "\"message\":\"m\",\"failed_at\":7}";
    EmbeddingFailure decoded =
        DeadLetterCodec.of(RecordCodec.Format.JSON).decode(json.getBytes(StandardCharsets.UTF_8));
    assertThat(decoded.getRequestId()).isEqualTo("r-2");
    assertThat(decoded.getOriginalValueTruncated()).isFalse();
  }
}
