#include "plane_box_scale.h"

void trtc_plane_box_scale(const uint8_t *source, int source_stride, int source_width, int source_height,
                          uint8_t *destination, int destination_stride, int destination_width,
                          int destination_height) {
    for (int y = 0; y < destination_height; y++) {
        // Source rows [top, bottom): the output row's share of the source, at least one row.
        int top = (int)((int64_t)y * source_height / destination_height);
        int bottom = (int)((int64_t)(y + 1) * source_height / destination_height);
        if (bottom <= top) bottom = top + 1;
        uint8_t *out = destination + (int64_t)y * destination_stride;
        int left = 0;
        for (int x = 0; x < destination_width; x++) {
            int right = (int)((int64_t)(x + 1) * source_width / destination_width);
            int start = left;
            int end = right > start ? right : start + 1;
            left = right;
            if (end - start == 1 && bottom - top == 1) {
                out[x] = source[(int64_t)top * source_stride + start];
                continue;
            }
            unsigned sum = 0;
            for (int row = top; row < bottom; row++) {
                const uint8_t *in = source + (int64_t)row * source_stride;
                for (int column = start; column < end; column++) sum += in[column];
            }
            unsigned count = (unsigned)((end - start) * (bottom - top));
            out[x] = (uint8_t)((sum + count / 2) / count);
        }
    }
}
