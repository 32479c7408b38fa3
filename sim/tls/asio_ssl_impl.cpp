// The one translation unit that compiles Boost.Asio's SSL support
// (BOOST_ASIO_SEPARATE_COMPILATION), beside sim/core/asio_impl.cpp for the rest of Asio.
#include <boost/asio/ssl/impl/src.hpp>
