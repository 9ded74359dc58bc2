<?php
/**
 * Plugin Name: Gazette spam filter for Akismet
 * Description: Sends the Akismet plugin's API calls to a Gazette server instead of rest.akismet.com.
 * Version: 1.0
 * License: GPL-2.0-or-later
 *
 * A must-use plugin: copy this file to wp-content/mu-plugins/ and, in wp-config.php, say
 * where Gazette serves its Akismet-compatible API:
 *
 *     define( 'GAZETTE_AKISMET_URL', 'https://news.example.org/akismet' );
 *
 * (or the root of a host listed in GAZETTE_AKISMET_HOSTS, e.g. 'https://akismet.example.org').
 * Then enter the key printed by `gazette antispam key create --site https://your-blog.example`
 * in Settings > Akismet. Every request the Akismet plugin makes to rest.akismet.com or
 * KEY.rest.akismet.com goes to that address instead, with the same path, query string, method
 * and body; nothing else WordPress requests is touched. The statistics charts the Akismet
 * plugin frames from tools.akismet.com are framed from Gazette instead.
 *
 * Gazette can also answer "hold": not clearly spam, but worth a moderator's look. The Akismet
 * protocol has no word for it (the answer is "false"), so Gazette says it in an
 * X-Gazette-Verdict header and this plugin puts such comments in the moderation queue. Define
 * GAZETTE_AKISMET_HOLD as false to publish them as Akismet would.
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/** The Gazette address requests go to, without a trailing slash; '' when not configured. */
function gazette_akismet_base_url() {
	if ( ! defined( 'GAZETTE_AKISMET_URL' ) || ! is_string( GAZETTE_AKISMET_URL ) ) {
		return '';
	}
	return untrailingslashit( GAZETTE_AKISMET_URL );
}

/** Whether a URL is one of Akismet's API hosts: rest.akismet.com or KEY.rest.akismet.com. */
function gazette_akismet_is_akismet_url( $url ) {
	$host = strtolower( (string) wp_parse_url( $url, PHP_URL_HOST ) );
	$suffix = '.rest.akismet.com';
	return 'rest.akismet.com' === $host
		|| ( strlen( $host ) > strlen( $suffix ) && substr( $host, -strlen( $suffix ) ) === $suffix );
}

/** The verdict Gazette gave the comment being checked in this request, if any. */
$GLOBALS['gazette_akismet_verdict'] = '';

/**
 * Answer a request meant for Akismet by making it to Gazette instead.
 *
 * @param false|array|WP_Error $preempt Whether another filter already answered.
 * @param array                $args    The request's arguments (method, headers, body...).
 * @param string               $url     The requested URL.
 * @return false|array|WP_Error
 */
function gazette_akismet_pre_http_request( $preempt, $args, $url ) {
	$base = gazette_akismet_base_url();
	if ( false !== $preempt || '' === $base || ! gazette_akismet_is_akismet_url( $url ) ) {
		return $preempt;
	}
	$path   = (string) wp_parse_url( $url, PHP_URL_PATH );
	$query  = (string) wp_parse_url( $url, PHP_URL_QUERY );
	$target = $base . ( '' === $path ? '/' : $path ) . ( '' === $query ? '' : '?' . $query );

	// The Akismet plugin names its host in a Host header; the new address brings its own.
	if ( isset( $args['headers'] ) && is_array( $args['headers'] ) ) {
		foreach ( array_keys( $args['headers'] ) as $name ) {
			if ( 'host' === strtolower( $name ) ) {
				unset( $args['headers'][ $name ] );
			}
		}
	}
	// The target is not an Akismet host, so this filter lets the new request through.
	$response = wp_remote_request( $target, $args );

	if ( ! is_wp_error( $response ) && '/1.1/comment-check' === substr( $path, -18 ) ) {
		$GLOBALS['gazette_akismet_verdict'] = (string) wp_remote_retrieve_header( $response, 'x-gazette-verdict' );
	}
	return $response;
}
add_filter( 'pre_http_request', 'gazette_akismet_pre_http_request', 10, 3 );

/**
 * Send comments Gazette wants a moderator to see to the moderation queue.
 *
 * Runs after the Akismet plugin's own pre_comment_approved filter, which has already turned
 * spam answers into 'spam'; only comments that would be published are held.
 *
 * @param int|string|WP_Error $approved    1, 0, 'spam', 'trash' or an error.
 * @param array               $commentdata The comment.
 * @return int|string|WP_Error
 */
function gazette_akismet_hold( $approved, $commentdata ) {
	$verdict = $GLOBALS['gazette_akismet_verdict'];
	$GLOBALS['gazette_akismet_verdict'] = '';
	$enabled = ! defined( 'GAZETTE_AKISMET_HOLD' ) || GAZETTE_AKISMET_HOLD;
	if ( $enabled && 'hold' === $verdict && ( 1 === $approved || '1' === $approved ) ) {
		return 0;
	}
	return $approved;
}
add_filter( 'pre_comment_approved', 'gazette_akismet_hold', 99, 2 );

/**
 * A statistics token for the API key, from Gazette (cached for half its day).
 *
 * @param string $key The API key.
 * @return string The token, or '' when Gazette gave none.
 */
function gazette_akismet_stats_token( $key ) {
	$cache = 'gazette_akismet_token_' . md5( $key );
	$token = get_transient( $cache );
	if ( is_string( $token ) && '' !== $token ) {
		return $token;
	}
	$response = wp_remote_post(
		gazette_akismet_base_url() . '/1.1/token',
		array( 'body' => array( 'api_key' => $key ), 'timeout' => 10 )
	);
	$token = is_wp_error( $response ) ? '' : trim( (string) wp_remote_retrieve_body( $response ) );
	if ( 200 !== (int) wp_remote_retrieve_response_code( $response ) || ! preg_match( '#^[A-Za-z0-9:_-]+$#', $token ) ) {
		return '';
	}
	set_transient( $cache, $token, 12 * HOUR_IN_SECONDS );
	return $token;
}

/**
 * Frame the Akismet plugin's statistics charts from Gazette.
 *
 * The plugin's settings and statistics pages frame charts from tools.akismet.com, loaded by
 * the editor's browser, which pre_http_request never sees. The plugin prints those
 * addresses through esc_url(), whose clean_url filter this is: the same path and query on
 * Gazette's address. Newer plugins put a token from 1.1/token in the query; Akismet 5.0.2
 * (Debian's WordPress 6.1) puts the API key itself, which is swapped here for a token, so
 * that the key never reaches the browser or Gazette's access log.
 *
 * @param string $url          The address as esc_url() cleaned it.
 * @param string $original_url The address as given.
 * @param string $context      'display' or 'db'.
 * @return string
 */
function gazette_akismet_clean_url( $url, $original_url = '', $context = 'display' ) {
	$base = gazette_akismet_base_url();
	if ( '' === $base || ! preg_match( '#^https?://tools\.akismet\.com/#i', $url, $match ) ) {
		return $url;
	}
	$url = $base . '/' . substr( $url, strlen( $match[0] ) );
	return preg_replace_callback(
		'/([?&;])api_key=([^&#]*)/',
		function ( $key ) {
			return $key[1] . 'token=' . rawurlencode( gazette_akismet_stats_token( rawurldecode( $key[2] ) ) );
		},
		$url
	);
}
add_filter( 'clean_url', 'gazette_akismet_clean_url', 10, 3 );
