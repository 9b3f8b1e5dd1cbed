/**
 * Plain-JDK helpers shared by every module: one unwrap for future failures, one daemon thread
 * factory, one retry backoff. This module depends on nothing; see docs/ARCHITECTURE.md.
 */
package io.abcstream.common;
