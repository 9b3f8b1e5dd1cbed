package io.abcstream.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ImageSnifferTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "ffd8ffe000104a464946, JPEG", "ffd8ffdb, JPEG", "89504e470d0a1a0a0000000d, PNG",
            "474946383761, GIF", "474946383961, GIF", "474946383861, UNKNOWN",
            "524946462400000057454250565038, WEBP", "524946462400000057415645666d74, UNKNOWN",
            "424d3a0000000000000036000000, BMP", "424d3a0000000100000036000000, UNKNOWN",
            "49492a00, TIFF", "4d4d002a, TIFF", "49492b00, UNKNOWN",
            "3c68746d6c3e, UNKNOWN", "ffd8, UNKNOWN", "'', UNKNOWN", "89504e47, UNKNOWN",
    })
    void sniffsMagicBytes(String hex, ImageFormat expected) {
        assertThat(ImageSniffer.sniff(HexFormat.of().parseHex(hex))).isEqualTo(expected);
    }
}
