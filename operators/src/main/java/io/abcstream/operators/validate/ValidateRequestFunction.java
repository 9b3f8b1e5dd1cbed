package io.abcstream.operators.validate;

import io.abcstream.operators.failure.DeadLetterLimits;
import io.abcstream.operators.failure.Failures;
import io.abcstream.schemas.ImageEmbeddingRequest;
import io.abcstream.schemas.codec.RecordCodec;
import io.abcstream.schemas.internal.SourcedRequest;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.function.Supplier;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/** Passes valid requests on and sends decode and validation failures to the dead letters. */
public final class ValidateRequestFunction extends ProcessFunction<SourcedRequest, SourcedRequest> {

  private static final long serialVersionUID = 1L;

  private final RequestValidator validator;
  private final RecordCodec.Format inputFormat;
  private final String modelVersion;
  private final DeadLetterLimits deadLetters;
  private transient RecordCodec<ImageEmbeddingRequest> inputCodec;
  private transient Counter requestsIn;
  private transient Counter rejected;

  /**
   * @param deadLetters the dead-letter record size each rejection is cut to, before it leaves this
   *     operator
   */
  public ValidateRequestFunction(
      RequestValidator validator,
      RecordCodec.Format inputFormat,
      String modelVersion,
      DeadLetterLimits deadLetters) {
    this.validator = Objects.requireNonNull(validator, "validator");
    this.inputFormat = Objects.requireNonNull(inputFormat, "inputFormat");
    this.modelVersion = modelVersion;
    this.deadLetters = Objects.requireNonNull(deadLetters, "deadLetters");
  }

  @Override
  public void open(OpenContext openContext) {
    inputCodec = RecordCodec.of(inputFormat, ImageEmbeddingRequest.class);
    requestsIn = getRuntimeContext().getMetricGroup().counter("requestsIn");
    rejected = getRuntimeContext().getMetricGroup().counter("requestsRejected");
  }

  @Override
  public void processElement(SourcedRequest value, Context ctx, Collector<SourcedRequest> out) {
    requestsIn.inc();
    ValidationResult result = validator.validate(value);
    // Several rejected instructions of one request share one encoding of it.
    Supplier<ByteBuffer> original = Failures.originalValueOnce(value, inputCodec);
    for (RequestRejection rejection : result.rejections()) {
      rejected.inc();
      ctx.output(
          Failures.DEAD_LETTERS,
          deadLetters.fit(
              Failures.ofEncoded(
                  value,
                  original.get(),
                  rejection.instruction(),
                  rejection.stage(),
                  rejection.errorClass(),
                  rejection.message(),
                  1,
                  modelVersion)));
    }
    if (result.accepted() != null) {
      out.collect(
          result.accepted() == value.getRequest()
              ? value
              : SourcedRequest.newBuilder(value).setRequest(result.accepted()).build());
    }
  }
}
