package io.abcstream.operators.embed;

import io.abcstream.schemas.ErrorClass;
import io.abcstream.schemas.FailureStage;

/** Where and why an embedding failed, as the dead-letter record states it. */
public record StageFailure(FailureStage stage, ErrorClass errorClass, String message, int attempts) {}
