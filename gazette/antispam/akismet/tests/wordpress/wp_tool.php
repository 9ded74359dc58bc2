<?php
/**
 * Runs WordPress's own functions on the test site from php-cli, as wp-admin would run them.
 *
 *   php wp_tool.php SITE_DIR < job.json   (job: {"do": "...", ...}; prints a JSON answer)
 *
 * install      wp_install(), a post open to comments, the Akismet plugin activated with a key
 * comments     every comment: status, the Akismet plugin's meta, the history it shows
 * spam, unspam a moderator's "Spam" / "Not Spam" link under a comment ({"id": N})
 * unapprove   a moderator's "Unapprove" link ({"id": N})
 * recheck      the "Check for Spam" button on the pending queue (Akismet_Admin's batch)
 * set_key      the key entered in Settings > Akismet ({"key": ...}): verified, then saved
 * admin_pages  what the plugin's settings and statistics pages ask Gazette and frame
 */

$site = $argv[1];
$job  = json_decode( stream_get_contents( STDIN ), true );
$home = parse_url( $job['home'] );
$_SERVER['HTTP_HOST']       = $home['host'] . ':' . $home['port'];
$_SERVER['SERVER_NAME']     = $home['host'];
$_SERVER['SERVER_PORT']     = (string) $home['port'];
$_SERVER['REQUEST_URI']     = '/wp-admin/';
$_SERVER['REQUEST_METHOD']  = 'GET';
$_SERVER['REMOTE_ADDR']     = '127.0.0.1';
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';
define( 'ABSPATH', rtrim( $site, '/' ) . '/' );

if ( 'install' === $job['do'] ) {
	define( 'WP_INSTALLING', true );
	require ABSPATH . 'wp-load.php';
	require_once ABSPATH . 'wp-admin/includes/upgrade.php';
	require_once ABSPATH . 'wp-admin/includes/plugin.php';
	wp_install( 'Gazette test blog', 'admin', 'admin@example.org', false, '', $job['password'] );
	// Without this WordPress itself holds every first comment of a new commenter, and the
	// verdicts under test would not show. Everything else is WordPress's default.
	update_option( 'comment_previously_approved', 0 );
	update_option( 'timezone_string', 'UTC' );
	$post_id = wp_insert_post( array(
		'post_title'     => 'Council approves the harbour plan',
		'post_content'   => 'The council voted on Tuesday to rebuild the harbour wall before winter.',
		'post_status'    => 'publish',
		'post_author'    => 1,
		'comment_status' => 'open',
	) );
	$activated = activate_plugin( 'akismet/akismet.php' );
	update_option( 'wordpress_api_key', $job['key'] );
	echo json_encode( array(
		'post_id'   => $post_id,
		'permalink' => get_permalink( $post_id ),
		'activated' => null === $activated,
		'versions'  => array( 'wordpress' => $GLOBALS['wp_version'], 'akismet' => AKISMET_VERSION ),
	) );
	exit;
}

require ABSPATH . 'wp-load.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';
require_once ABSPATH . 'wp-admin/includes/template.php';
require_once WP_PLUGIN_DIR . '/akismet/class.akismet-admin.php';
wp_set_current_user( 1 ); // the administrator, as in wp-admin

function gazette_comment_report( $comment ) {
	ob_start();
	Akismet_Admin::comment_status_meta_box( $comment );
	$history = preg_split( '/\s*\n\s*/', trim( wp_strip_all_tags( str_replace( '</div>', "</div>\n", ob_get_clean() ) ) ) );
	return array(
		'id'              => (int) $comment->comment_ID,
		'author'          => $comment->comment_author,
		'content'         => $comment->comment_content,
		'approved'        => $comment->comment_approved,
		'akismet_result'  => get_comment_meta( $comment->comment_ID, 'akismet_result', true ),
		'akismet_pro_tip' => get_comment_meta( $comment->comment_ID, 'akismet_pro_tip', true ),
		'user_result'     => get_comment_meta( $comment->comment_ID, 'akismet_user_result', true ),
		'as_submitted'    => get_comment_meta( $comment->comment_ID, 'akismet_as_submitted', true ),
		'events'          => wp_list_pluck( Akismet::get_comment_history( $comment->comment_ID ) ?: array(), 'event' ),
		'history'         => array_values( array_filter( $history ) ),
	);
}

switch ( $job['do'] ) {
	case 'comments':
		$comments = get_comments( array( 'status' => 'all', 'type' => 'all', 'orderby' => 'comment_ID', 'order' => 'ASC' ) );
		$comments = array_merge( $comments, get_comments( array( 'status' => 'spam', 'orderby' => 'comment_ID', 'order' => 'ASC' ) ) );
		usort( $comments, function ( $a, $b ) { return $a->comment_ID - $b->comment_ID; } );
		$answer = array_map( 'gazette_comment_report', $comments );
		break;

	case 'spam':
	case 'unspam':
		// What the "Spam" / "Not Spam" links under a comment in wp-admin request; the
		// Akismet plugin reports a status change only when it sees such a request.
		$_GET['action'] = $job['do'] . 'comment';
		$done = 'spam' === $job['do'] ? wp_spam_comment( $job['id'] ) : wp_unspam_comment( $job['id'] );
		$answer = array( 'done' => (bool) $done, 'comment' => gazette_comment_report( get_comment( $job['id'] ) ) );
		break;

	case 'unapprove':
		$answer = array( 'done' => (bool) wp_set_comment_status( $job['id'], 'hold' ) );
		break;

	case 'recheck':
		$answer = Akismet_Admin::recheck_queue_portion( 0, 100 );
		break;

	case 'set_key':
		// Akismet_Admin::save_key() without the form's nonce: verify, then save when valid.
		$status = Akismet::verify_key( $job['key'] );
		if ( 'valid' === $status ) {
			update_option( 'wordpress_api_key', $job['key'] );
		}
		$answer = array( 'status' => $status, 'key' => Akismet::get_api_key() );
		break;

	case 'admin_pages':
		$key = Akismet::get_api_key();
		ob_start();
		Akismet::view( 'stats' );
		$stats_page = ob_get_clean();
		preg_match( '/<iframe src="([^"]+)"/', $stats_page, $frame );
		// The settings page's chart, printed as views/config.php prints it.
		$snapshot = esc_url( sprintf( 'https://tools.akismet.com/1.0/snapshot.php?blog=%s&api_key=%s&height=200&locale=%s', urlencode( get_option( 'home' ) ), $key, get_locale() ) );
		$answer = array(
			'subscription' => Akismet_Admin::get_akismet_user( $key ),
			'stats'        => Akismet_Admin::get_stats( $key ),
			'stats_frame'  => html_entity_decode( $frame[1] ?? '' ),
			'snapshot'     => html_entity_decode( $snapshot ),
			'spam_count'   => (int) get_option( 'akismet_spam_count' ),
		);
		break;

	default:
		$answer = array( 'error' => 'unknown job ' . $job['do'] );
}
echo json_encode( $answer );
