package io.abcstream.architecture.samples.connectors.elasticsearch;

/** Breaks the generic-connector rule on purpose: knows a field of ABC's document. */
public class FieldNamingSink {
  static final String ID_FIELD = "request_id";

  public String idField() {
    return ID_FIELD;
  }
}
