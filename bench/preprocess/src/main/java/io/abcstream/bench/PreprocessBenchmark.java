package io.abcstream.bench;

import io.abcstream.model.image.AbcPreprocessor;
import io.abcstream.model.image.ImageDecoder;
import io.abcstream.model.image.PreprocessedImage;
import io.abcstream.model.image.RgbImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * Decode + ABC preprocessing (both resize stages, then float pixel rows), single-threaded, on the JPEGs written by
 * {@code bench/preprocess/reference_preprocess.py} into {@code -Dabc.bench.images=DIR}. Before measuring, the
 * setup checks that the float rows of both paths are bit-identical to the reference's (sha256 written by the Python
 * script).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "--add-modules", "jdk.incubator.vector"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class PreprocessBenchmark {
    @Param({"640x480", "1920x1080", "4000x3000"})
    public String size;

    private final ImageDecoder decoder = ImageDecoder.defaults();
    private final AbcPreprocessor preprocessor = AbcPreprocessor.defaults();
    private byte[] jpeg;
    private RgbImage decoded;
    private float[] rows;

    @Setup
    public void setup() throws Exception {
        Path dir = Path.of(System.getProperty("abc.bench.images", "bench/target/preprocess-images"));
        jpeg = Files.readAllBytes(dir.resolve("photo_" + size + ".jpg"));
        decoded = decoder.decode(jpeg);
        PreprocessedImage p = preprocessor.decodeAndPreprocess(decoder, jpeg);
        rows = new float[p.floatCount()];
        p.writePixelRows(rows, 0);
        verify(dir.resolve("photo_" + size + ".rows.sha256"), rows);
        // The non-streaming path (decode, then preprocess) must give the same rows.
        Arrays.fill(rows, Float.NaN);
        preprocessor.preprocess(decoded).writePixelRows(rows, 0);
        verify(dir.resolve("photo_" + size + ".rows.sha256"), rows);
    }

    private static void verify(Path shaFile, float[] rows) throws IOException {
        if (!Files.exists(shaFile)) {
            throw new IllegalStateException("missing " + shaFile + "; run reference_preprocess.py first");
        }
        String expected = Files.readString(shaFile, StandardCharsets.US_ASCII).trim();
        byte[] b = new byte[rows.length * 4];
        for (int i = 0; i < rows.length; i++) {
            int v = Float.floatToRawIntBits(rows[i]);
            b[4 * i] = (byte) v;
            b[4 * i + 1] = (byte) (v >>> 8);
            b[4 * i + 2] = (byte) (v >>> 16);
            b[4 * i + 3] = (byte) (v >>> 24);
        }
        String actual;
        try {
            actual = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        if (!actual.equals(expected)) {
            throw new IllegalStateException("float rows differ from the reference for " + shaFile + ": " + actual
                    + " != " + expected);
        }
    }

    /** The whole per-image CPU path as the job runs it: bytes → (rows streamed) stage 1 → stage 2 → float rows. */
    @Benchmark
    public float[] decodeAndPreprocess() {
        PreprocessedImage p = preprocessor.decodeAndPreprocess(decoder, jpeg);
        p.writePixelRows(rows, 0);
        return rows;
    }

    /** Breakdown: decode only. */
    @Benchmark
    public RgbImage decodeOnly() {
        return decoder.decode(jpeg);
    }

    /** Breakdown: both resizes and float rows from an already decoded image. */
    @Benchmark
    public float[] preprocessOnly() {
        PreprocessedImage p = preprocessor.preprocess(decoded);
        p.writePixelRows(rows, 0);
        return rows;
    }
}
