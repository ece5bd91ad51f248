// The ladder picture's measures, in SVG user units. analyzer/html/report.js
// draws the same picture in the browser with the same numbers (kept in
// step by hand: the HTML test counts the same arrows as the SVG test).
#pragma once

#include <cstddef>

namespace tfe::analyzer::picture {

constexpr int kWidth = 820;
constexpr int kClientX = 210, kServerX = 610;  // the two sides' time lines
constexpr int kFrameX = 40;                     // packet numbers, right-aligned
constexpr int kTop = 64;                        // line 0
constexpr int kLineHeight = 30;
constexpr int kArrowFrom = 10, kArrowTo = 22;   // an arrow's ends within its lines
constexpr int kTextBaseline = 20;               // a state's name within its line

constexpr int line_y(std::size_t line) { return kTop + static_cast<int>(line) * kLineHeight; }

}  // namespace tfe::analyzer::picture
