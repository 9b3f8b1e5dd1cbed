package io.abcstream.fetch;

/** Detects the image format from the first bytes; headers such as Content-Type are never trusted. */
public final class ImageSniffer {

    private ImageSniffer() {}

    public static ImageFormat sniff(byte[] b) {
        return b == null ? ImageFormat.UNKNOWN : sniff(b, b.length);
    }

    public static ImageFormat sniff(byte[] b, int len) {
        if (b == null) {
            return ImageFormat.UNKNOWN;
        }
        int n = Math.min(len, b.length);
        if (n >= 3 && u(b[0]) == 0xFF && u(b[1]) == 0xD8 && u(b[2]) == 0xFF) {
            return ImageFormat.JPEG;
        }
        if (n >= 8 && u(b[0]) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G'
                && b[4] == 0x0D && b[5] == 0x0A && b[6] == 0x1A && b[7] == 0x0A) {
            return ImageFormat.PNG;
        }
        if (n >= 6 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F' && b[3] == '8'
                && (b[4] == '7' || b[4] == '9') && b[5] == 'a') {
            return ImageFormat.GIF;
        }
        if (n >= 12 && b[0] == 'R' && b[1] == 'I' && b[2] == 'F' && b[3] == 'F'
                && b[8] == 'W' && b[9] == 'E' && b[10] == 'B' && b[11] == 'P') {
            return ImageFormat.WEBP;
        }
        // "BM" alone is weak evidence; also require the reserved header words to be zero.
        if (n >= 14 && b[0] == 'B' && b[1] == 'M' && b[6] == 0 && b[7] == 0 && b[8] == 0 && b[9] == 0) {
            return ImageFormat.BMP;
        }
        if (n >= 4 && ((b[0] == 'I' && b[1] == 'I' && b[2] == 42 && b[3] == 0)
                || (b[0] == 'M' && b[1] == 'M' && b[2] == 0 && b[3] == 42))) {
            return ImageFormat.TIFF;
        }
        return ImageFormat.UNKNOWN;
    }

    private static int u(byte x) {
        return x & 0xFF;
    }
}
