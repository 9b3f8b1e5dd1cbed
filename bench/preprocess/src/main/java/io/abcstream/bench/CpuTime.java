package io.abcstream.bench;

import io.abcstream.model.image.AbcPreprocessor;
import io.abcstream.model.image.ImageDecoder;
import io.abcstream.model.image.PreprocessedImage;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Cross-check for a shared, loaded machine: thread CPU time (not wall time) of decode + preprocess + float rows,
 * min and median over repeated runs after warm-up; prints JSON. Usage: {@code CpuTime IMAGE_DIR [seconds]}.
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
        StringBuilder json = new StringBuilder("{");
        String[] sizes = {"640x480", "1920x1080", "4000x3000"};
        for (int s = 0; s < sizes.length; s++) {
            byte[] jpeg = Files.readAllBytes(dir.resolve("photo_" + sizes[s] + ".jpg"));
            PreprocessedImage first = pre.preprocess(decoder.decode(jpeg));
            float[] rows = new float[first.floatCount()];
            long warmEnd = System.nanoTime() + (long) (seconds * 0.3e9);
            while (System.nanoTime() < warmEnd) {
                pre.preprocess(decoder.decode(jpeg)).writePixelRows(rows, 0);
            }
            double[] cpu = new double[100000];
            int n = 0;
            long end = System.nanoTime() + (long) (seconds * 1e9);
            while ((System.nanoTime() < end || n < 5) && n < cpu.length) {
                long c0 = mx.getCurrentThreadCpuTime();
                pre.preprocess(decoder.decode(jpeg)).writePixelRows(rows, 0);
                cpu[n++] = (mx.getCurrentThreadCpuTime() - c0) / 1e6;
            }
            double[] v = Arrays.copyOf(cpu, n);
            Arrays.sort(v);
            json.append(String.format(Locale.ROOT, "%s\"%s\": {\"runs\": %d, \"min_cpu_ms\": %.3f, \"median_cpu_ms\": %.3f}",
                    s == 0 ? "" : ", ", sizes[s], n, v[0], v[n / 2]));
        }
        System.out.println(json.append('}'));
    }
}
