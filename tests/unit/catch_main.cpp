// Compiled once: Catch2's main is slow to build.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
