package io.abcstream.operators.failure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.abcstream.schemas.EmbeddingFailure;
import io.abcstream.schemas.ErrorClass;
import io.abcstream.schemas.FailureStage;
import io.abcstream.schemas.ImageEmbeddingRequest;
import io.abcstream.schemas.codec.CodecException;
import io.abcstream.schemas.codec.RecordCodec;
import io.abcstream.schemas.internal.SourcedRequest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every dead letter fits the dead-letter record size, and a cut original says what it was. */
class DeadLetterLimitsTest {

  private static byte[] random(int size) {
    byte[] bytes = new byte[size];
    new Random(7).nextBytes(bytes);
    return bytes;
  }

  private static EmbeddingFailure failure(byte[] value, byte[] key, String instruction) {
    return EmbeddingFailure.newBuilder()
        .setOriginalKey(key == null ? null : ByteBuffer.wrap(key))
        .setOriginalValue(value == null ? null : ByteBuffer.wrap(value))
        .setSourceTopic("requests")
        .setRequestId("r-1")
        .setInstruction(instruction)
        .setStage(FailureStage.VALIDATE)
        .setErrorClass(ErrorClass.INVALID_REQUEST)
        .setMessage("m".repeat(5_000))
        .setFailedAt(Instant.EPOCH)
        .build();
  }

  @ParameterizedTest
  @EnumSource(RecordCodec.Format.class)
  void aFiveMegabyteOriginalIsCutToFitWithItsLengthAndDigest(RecordCodec.Format format)
      throws Exception {
    DeadLetterLimits limits = DeadLetterLimits.defaults(format);
    byte[] value = random(5 << 20);

    EmbeddingFailure fit = limits.fit(failure(value, "k".getBytes(), "i".repeat(10_000)));

    assertThat(limits.recordBytes(fit))
        .isLessThanOrEqualTo(DeadLetterLimits.DEFAULT_MAX_RECORD_BYTES);
    // Little headroom is wasted: the value takes most of the record.
    assertThat(limits.recordBytes(fit))
        .isGreaterThan(DeadLetterLimits.DEFAULT_MAX_RECORD_BYTES - 4 * 1024);
    assertThat(fit.getOriginalValueTruncated()).isTrue();
    assertThat(fit.getOriginalValueLength()).isEqualTo(value.length);
    assertThat(fit.getOriginalValueSha256())
        .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value)));
    ByteBuffer kept = fit.getOriginalValue();
    assertThat(kept.remaining()).isPositive();
    assertThat(ByteBuffer.wrap(value, 0, kept.remaining())).isEqualTo(kept);
    assertThat(fit.getMessage()).hasSize(Failures.MAX_MESSAGE_CHARS + 1);
    assertThat(fit.getInstruction()).hasSize(DeadLetterLimits.MAX_INSTRUCTION_CHARS + 1);
    // The record written decodes, and cutting again changes nothing.
    RecordCodec<EmbeddingFailure> codec = RecordCodec.of(format, EmbeddingFailure.class);
    assertThat(codec.decode(codec.encode(fit))).isEqualTo(fit);
    assertThat(limits.fit(fit)).isEqualTo(fit);
  }

  @ParameterizedTest
  @EnumSource(RecordCodec.Format.class)
  void aSmallOriginalIsKeptWholeWithItsLengthAndDigest(RecordCodec.Format format) {
    byte[] value = random(10_000);
    EmbeddingFailure fit = DeadLetterLimits.defaults(format).fit(failure(value, null, "short"));
    assertThat(fit.getOriginalValueTruncated()).isFalse();
    assertThat(fit.getOriginalValue()).isEqualTo(ByteBuffer.wrap(value));
    assertThat(fit.getOriginalValueLength()).isEqualTo(10_000L);
    assertThat(fit.getOriginalValueSha256()).hasSize(64);
    assertThat(fit.getInstruction()).isEqualTo("short");
  }

  @Test
  void theRecordSizeIsTheConfiguredOneAndAHugeKeyIsCut() {
    DeadLetterLimits limits = new DeadLetterLimits(200 << 10, RecordCodec.Format.JSON);
    EmbeddingFailure fit = limits.fit(failure(random(1 << 20), random(1 << 20), null));
    assertThat(limits.recordBytes(fit)).isLessThanOrEqualTo(200 << 10);
    assertThat(fit.getOriginalKey().remaining()).isEqualTo(DeadLetterLimits.MAX_KEY_BYTES);
    assertThat(fit.getOriginalValueTruncated()).isTrue();
    EmbeddingFailure noValue = limits.fit(failure(null, null, null));
    assertThat(noValue.getOriginalValueLength()).isNull();
    assertThat(noValue.getOriginalValueTruncated()).isFalse();
    assertThatThrownBy(() -> new DeadLetterLimits(1000, RecordCodec.Format.AVRO))
        .hasMessageContaining("at least");
  }

  @Test
  void aCutNeverSplitsASurrogatePair() {
    String text = "a".repeat(9) + "😀" + "b";
    assertThat(DeadLetterLimits.cut(text, 10)).isEqualTo("a".repeat(9) + Failures.ELLIPSIS);
  }

  @Test
  void aRequestsFailingInstructionsEncodeItOnce() {
    AtomicInteger encodes = new AtomicInteger();
    RecordCodec<ImageEmbeddingRequest> counting =
        new RecordCodec<>() {
          @Override
          public byte[] encode(ImageEmbeddingRequest record) {
            encodes.incrementAndGet();
            return record.getId().getBytes(StandardCharsets.UTF_8);
          }

          @Override
          public ImageEmbeddingRequest decode(byte[] bytes) throws CodecException {
            throw new UnsupportedOperationException();
          }
        };
    SourcedRequest source =
        SourcedRequest.newBuilder()
            .setRequest(
                ImageEmbeddingRequest.newBuilder()
                    .setId("r-9")
                    .setImage("https://x/y.png")
                    .setInstructions(List.of("a", "b", "c"))
                    .setMetadata(Map.of())
                    .build())
            .build();
    Supplier<ByteBuffer> original = Failures.originalValueOnce(source, counting);
    for (String instruction : List.of("a", "b", "c")) {
      EmbeddingFailure f =
          Failures.ofEncoded(
              source,
              original.get(),
              instruction,
              FailureStage.TOKENIZE,
              ErrorClass.INSTRUCTION_TOO_LONG,
              "x",
              1,
              "m");
      assertThat(f.getOriginalValue()).isEqualTo(ByteBuffer.wrap("r-9".getBytes()));
    }
    assertThat(encodes).hasValue(1);
  }
}
