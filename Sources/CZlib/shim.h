#ifndef TRTC_CZLIB_SHIM_H
#define TRTC_CZLIB_SHIM_H
#include <zlib.h>
#endif
