package io.abcstream.connectors.elasticsearch;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.base.sink.writer.AsyncSinkWriterStateSerializer;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;

/**
 * Hand-written, versioned binary format for the sink's buffered {@link IndexOperation}s (no Kryo,
 * no Java serialization), so savepoints survive refactorings of the class.
 *
 * <p>Version 1, per entry (after the base class's {@code [-1L, count, (size, entry)*]} envelope):
 * {@code byte opType (0 index, 1 delete) | int len + UTF-8 index | int len + UTF-8 id | int attempt
 * | int len (-1 = none) + source bytes}. Version 2 appends {@code int len (-1 = none) + context
 * bytes}. A new layout gets a new version; old versions stay readable (a version-1 entry has no
 * context).
 */
public final class IndexOperationStateSerializer
    extends AsyncSinkWriterStateSerializer<IndexOperation> {

  public static final int VERSION_1 = 1;
  public static final int VERSION_2 = 2;
  public static final int CURRENT_VERSION = VERSION_2;

  // Hard limits guard against reading garbage as a huge allocation when state is corrupt.
  private static final int MAX_NAME_BYTES = 64 * 1024;
  private static final int MAX_SOURCE_BYTES = 1 << 30;

  @Override
  public int getVersion() {
    return CURRENT_VERSION;
  }

  @Override
  public BufferedRequestState<IndexOperation> deserialize(int version, byte[] serialized)
      throws IOException {
    if (version != VERSION_1 && version != VERSION_2) {
      throw new IOException(
          "unknown Elasticsearch sink state version "
              + version
              + " (this build reads versions "
              + VERSION_1
              + " to "
              + CURRENT_VERSION
              + "); restore with the build that wrote the savepoint or start without state");
    }
    // The base class reads the envelope and calls back per entry without the version: one reader
    // per version.
    return new Reader(version).read(serialized);
  }

  @Override
  protected void serializeRequestToStream(IndexOperation op, DataOutputStream out)
      throws IOException {
    out.writeByte(op.opType() == IndexOperation.OpType.INDEX ? 0 : 1);
    writeString(out, op.index());
    writeString(out, op.id());
    out.writeInt(op.attempt());
    writeBytes(out, op.source());
    writeBytes(out, op.context());
  }

  @Override
  protected IndexOperation deserializeRequestFromStream(long requestSize, DataInputStream in)
      throws IOException {
    return readEntry(in, CURRENT_VERSION);
  }

  private static IndexOperation readEntry(DataInputStream in, int version) throws IOException {
    int type = in.readByte();
    IndexOperation.OpType opType;
    switch (type) {
      case 0:
        opType = IndexOperation.OpType.INDEX;
        break;
      case 1:
        opType = IndexOperation.OpType.DELETE;
        break;
      default:
        throw new IOException("corrupt Elasticsearch sink state: unknown operation type " + type);
    }
    String index = readString(in);
    String id = readString(in);
    int attempt = in.readInt();
    byte[] source = readBytes(in, "source");
    byte[] context = version >= VERSION_2 ? readBytes(in, "context") : null;
    try {
      return IndexOperation.restore(opType, index, id, source, attempt, context);
    } catch (IllegalArgumentException e) {
      throw new IOException("corrupt Elasticsearch sink state: " + e.getMessage(), e);
    }
  }

  private static void writeBytes(DataOutputStream out, byte[] bytes) throws IOException {
    if (bytes == null) {
      out.writeInt(-1);
    } else {
      out.writeInt(bytes.length);
      out.write(bytes);
    }
  }

  private static byte[] readBytes(DataInputStream in, String what) throws IOException {
    int length = in.readInt();
    if (length == -1) {
      return null;
    }
    if (length < 0 || length > MAX_SOURCE_BYTES) {
      throw new IOException("corrupt Elasticsearch sink state: " + what + " length " + length);
    }
    byte[] bytes = new byte[length];
    in.readFully(bytes);
    return bytes;
  }

  private static void writeString(DataOutputStream out, String value) throws IOException {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  private static String readString(DataInputStream in) throws IOException {
    int length = in.readInt();
    if (length < 0 || length > MAX_NAME_BYTES) {
      throw new IOException("corrupt Elasticsearch sink state: string length " + length);
    }
    byte[] bytes = new byte[length];
    in.readFully(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /** Reads the entries of one state version through the base class's envelope. */
  private static final class Reader extends AsyncSinkWriterStateSerializer<IndexOperation> {
    private final int version;

    Reader(int version) {
      this.version = version;
    }

    BufferedRequestState<IndexOperation> read(byte[] serialized) throws IOException {
      return super.deserialize(version, serialized);
    }

    @Override
    public int getVersion() {
      return version;
    }

    @Override
    protected void serializeRequestToStream(IndexOperation op, DataOutputStream out) {
      throw new UnsupportedOperationException("only the current version is written");
    }

    @Override
    protected IndexOperation deserializeRequestFromStream(long requestSize, DataInputStream in)
        throws IOException {
      return readEntry(in, version);
    }
  }
}
