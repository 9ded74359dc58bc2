<?php
/**
 * Runs docs/wordpress/gazette-akismet.php outside WordPress, with the few WordPress functions
 * it calls written here, so that tests can drive it against a real Gazette server.
 *
 * Reads a JSON job on stdin and prints a JSON report:
 *   {"mode": "request", "base": GAZETTE_AKISMET_URL, "url": ..., "args": {...}}
 *   {"mode": "hold", "verdict": "hold", "approved": 1, "hold_setting": true|false|null}
 *   {"mode": "esc_url", "base": ..., "url": ...}
 */

define( 'ABSPATH', __DIR__ . '/' );

$job = json_decode( stream_get_contents( STDIN ), true );
if ( isset( $job['base'] ) ) {
	define( 'GAZETTE_AKISMET_URL', $job['base'] );
}
if ( array_key_exists( 'hold_setting', $job ) && null !== $job['hold_setting'] ) {
	define( 'GAZETTE_AKISMET_HOLD', (bool) $job['hold_setting'] );
}

$GLOBALS['filters'] = array();
$GLOBALS['sent'] = array();

function add_filter( $hook, $callback, $priority = 10, $accepted_args = 1 ) {
	$GLOBALS['filters'][ $hook ][] = $callback;
	return true;
}

function apply_filters( $hook, $value, ...$args ) {
	foreach ( $GLOBALS['filters'][ $hook ] ?? array() as $callback ) {
		$value = $callback( $value, ...$args );
	}
	return $value;
}

function untrailingslashit( $value ) {
	return rtrim( $value, '/\\' );
}

/** WordPress's esc_url() in the 'display' context, reduced to what matters here: ampersands
 * become entities, then the clean_url filter runs. */
function esc_url( $url, $protocols = null, $_context = 'display' ) {
	$good = str_replace( '&', '&#038;', $url );
	return apply_filters( 'clean_url', $good, $url, $_context );
}

function wp_parse_url( $url, $component = -1 ) {
	return parse_url( $url, $component );
}

function is_wp_error( $thing ) {
	return $thing instanceof WP_Error;
}

class WP_Error {
	public $message;
	public function __construct( $code = '', $message = '' ) {
		$this->message = $message;
	}
}

function wp_remote_retrieve_header( $response, $header ) {
	return $response['headers'][ strtolower( $header ) ] ?? '';
}

/** WordPress's HTTP API, reduced to what the plugin needs: PHP's own HTTP stream. */
function wp_remote_request( $url, $args = array() ) {
	$preempt = apply_filters( 'pre_http_request', false, $args, $url );
	if ( false !== $preempt ) {
		return $preempt;
	}
	$headers = array();
	foreach ( $args['headers'] ?? array() as $name => $value ) {
		$headers[] = "$name: $value";
	}
	$body = $args['body'] ?? '';
	if ( is_array( $body ) ) {
		$body = http_build_query( $body );
		$headers[] = 'Content-Type: application/x-www-form-urlencoded';
	}
	$GLOBALS['sent'][] = array( 'url' => $url, 'headers' => $headers );
	$context = stream_context_create( array( 'http' => array(
		'method' => $args['method'] ?? 'GET',
		'header' => implode( "\r\n", $headers ),
		'content' => $body,
		'ignore_errors' => true,
		'timeout' => 10,
	) ) );
	$content = @file_get_contents( $url, false, $context );
	if ( false === $content ) {
		return new WP_Error( 'http_request_failed', 'no answer from ' . $url );
	}
	$response_headers = array();
	$code = 0;
	foreach ( $http_response_header as $line ) {
		if ( preg_match( '#^HTTP/\S+ (\d+)#', $line, $match ) ) {
			$code = (int) $match[1];
		} elseif ( str_contains( $line, ':' ) ) {
			list( $name, $value ) = explode( ':', $line, 2 );
			$response_headers[ strtolower( trim( $name ) ) ] = trim( $value );
		}
	}
	return array( 'headers' => $response_headers, 'body' => $content, 'response' => array( 'code' => $code ) );
}

require $job['plugin'];

if ( 'esc_url' === $job['mode'] ) {
	echo json_encode( array( 'url' => esc_url( $job['url'] ) ) );
	exit;
}

if ( 'hold' === $job['mode'] ) {
	$GLOBALS['gazette_akismet_verdict'] = $job['verdict'];
	$approved = apply_filters( 'pre_comment_approved', $job['approved'], array() );
	echo json_encode( array( 'approved' => $approved, 'verdict_left' => $GLOBALS['gazette_akismet_verdict'] ) );
	exit;
}

$response = wp_remote_request( $job['url'], $job['args'] );
echo json_encode( array(
	'sent' => $GLOBALS['sent'],
	'error' => is_wp_error( $response ) ? $response->message : null,
	'status' => is_wp_error( $response ) ? null : $response['response']['code'],
	'body' => is_wp_error( $response ) ? null : $response['body'],
	'headers' => is_wp_error( $response ) ? null : $response['headers'],
	'verdict' => $GLOBALS['gazette_akismet_verdict'],
) );
