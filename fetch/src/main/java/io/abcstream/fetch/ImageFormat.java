package io.abcstream.fetch;

/** Image container formats recognised by {@link ImageSniffer} from magic bytes. */
public enum ImageFormat {
    JPEG("image/jpeg"),
    PNG("image/png"),
    GIF("image/gif"),
    WEBP("image/webp"),
    BMP("image/bmp"),
    TIFF("image/tiff"),
    UNKNOWN("application/octet-stream");

    private final String mimeType;

    ImageFormat(String mimeType) {
        this.mimeType = mimeType;
    }

    public String mimeType() {
        return mimeType;
    }
}
