// The one header that wraps Asio and Beast. Boost 1.74's asio/awaitable.hpp uses std::exchange
// without including <utility>; with g++ 12 it must come first.
#pragma once

#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
