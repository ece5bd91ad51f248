// The one Catch2 main shared by every test executable (tfe_catch_main).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
