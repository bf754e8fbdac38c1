#include "detect/detect.h"

#include <gtest/gtest.h>
