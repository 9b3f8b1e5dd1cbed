package io.abcstream.bench;

import io.abcstream.model.image.AbcPreprocessor;
import io.abcstream.model.image.ImageDecoder;
import io.abcstream.model.image.PreprocessedImage;
import io.abcstream.model.image.RgbImage;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Thread CPU time (not wall time, so less sensitive to other processes on a shared machine) of the whole path
 * ({@code decodeAndPreprocess} + float rows) and, separately, of a full decode and of preprocess + rows from it, min and median over repeated runs after warm-up; prints JSON with the
 * implementations this JVM chose. Usage: {@code CpuTime IMAGE_DIR [seconds]}.
 */
public final class CpuTime {
    private CpuTime() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 10;
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        ImageDecoder decoder = ImageDecoder.defaults();
        AbcPreprocessor pre = AbcPreprocessor.defaults();
        StringBuilder json = new StringBuilder("{\"resampler\": \"" + AbcPreprocessor.resampler()
                + "\", \"jpeg\": \"" + ImageDecoder.jpegDecoder() + "\"");
        String[] sizes = {"640x480", "1920x1080", "4000x3000"};
        for (String size : sizes) {
            byte[] jpeg = Files.readAllBytes(dir.resolve("photo_" + size + ".jpg"));
            PreprocessedImage first = pre.preprocess(decoder.decode(jpeg));
            float[] rows = new float[first.floatCount()];
            long warmEnd = System.nanoTime() + (long) (seconds * 0.3e9);
            while (System.nanoTime() < warmEnd) {
                pre.decodeAndPreprocess(decoder, jpeg).writePixelRows(rows, 0);
            }
            int cap = 100000;
            double[] total = new double[cap];
            double[] decode = new double[cap];
            double[] resize = new double[cap];
            int n = 0;
            long end = System.nanoTime() + (long) (seconds * 1e9);
            while ((System.nanoTime() < end || n < 5) && n < cap) {
                // The production call (JPEG rows streamed into the resizes), then its two halves separately.
                long c0 = mx.getCurrentThreadCpuTime();
                pre.decodeAndPreprocess(decoder, jpeg).writePixelRows(rows, 0);
                long c1 = mx.getCurrentThreadCpuTime();
                RgbImage image = decoder.decode(jpeg);
                long c2 = mx.getCurrentThreadCpuTime();
                pre.preprocess(image).writePixelRows(rows, 0);
                long c3 = mx.getCurrentThreadCpuTime();
                total[n] = (c1 - c0) / 1e6;
                decode[n] = (c2 - c1) / 1e6;
                resize[n++] = (c3 - c2) / 1e6;
            }
            json.append(String.format(Locale.ROOT, ", \"%s\": {\"runs\": %d, \"min_cpu_ms\": %.3f, \"median_cpu_ms\": %.3f,"
                    + " \"decode_min_cpu_ms\": %.3f, \"preprocess_min_cpu_ms\": %.3f}", size, n, min(total, n),
                    median(total, n), min(decode, n), min(resize, n)));
        }
        System.out.println(json.append('}'));
    }

    private static double min(double[] v, int n) {
        return Arrays.stream(v, 0, n).min().orElse(Double.NaN);
    }

    private static double median(double[] v, int n) {
        double[] s = Arrays.copyOf(v, n);
        Arrays.sort(s);
        return s[n / 2];
    }
}
