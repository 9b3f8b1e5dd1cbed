package io.abcstream.model.image;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the resampling implementation once per JVM: the Vector API one when the JVM was started with
 * {@code --add-modules jdk.incubator.vector} (and {@code -Dabc.resample.vector=false} is not set), otherwise the
 * portable scalar one. Both give identical pixels.
 */
final class ResampleEngine {
    private static final Logger LOG = LoggerFactory.getLogger(ResampleEngine.class);
    static final boolean VECTOR = detect();

    private ResampleEngine() {
    }

    /** A short description of the chosen implementation, for logs and benchmark reports. */
    static String describe() {
        return VECTOR ? "vector (jdk.incubator.vector, " + jdk.incubator.vector.IntVector.SPECIES_PREFERRED.length()
                + " int lanes)" : "scalar";
    }

    private static boolean detect() {
        if (!Boolean.parseBoolean(System.getProperty("abc.resample.vector", "true"))) {
            LOG.info("Image resampling: scalar (disabled by -Dabc.resample.vector=false)");
            return false;
        }
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            LOG.info("Image resampling: scalar; start the JVM with --add-modules jdk.incubator.vector for the "
                    + "vectorised path (several times faster, same pixels)");
            return false;
        }
        try {
            VectorResampler.resize(RgbImage.ofPacked(2, 2, new int[4]), 3, 3, PillowResampler.Filter.BICUBIC);
            return true;
        } catch (LinkageError | RuntimeException e) {
            LOG.warn("Image resampling: scalar; the Vector API failed to initialise: {}", e.toString());
            return false;
        }
    }
}
