<?php
/**
 * Routes PHP's built-in web server (php -S) through a WordPress site made by
 * tests/wordpress_site.py: WordPress's own PHP files by their path, static files as they are,
 * anything else to index.php (pretty permalinks). The site folder's wp-config.php is the
 * site's: ABSPATH names that folder before WordPress (Debian's /usr/share/wordpress, linked
 * in) looks for one.
 */

define( 'ABSPATH', rtrim( getenv( 'WORDPRESS_SITE_DIR' ), '/' ) . '/' );

$path = (string) parse_url( $_SERVER['REQUEST_URI'], PHP_URL_PATH );
$file = ABSPATH . ltrim( $path, '/' );
if ( is_dir( $file ) ) {
	$file = rtrim( $file, '/' ) . '/index.php';
}
if ( is_file( $file ) && '.php' !== substr( $file, -4 ) ) {
	return false; // a stylesheet, a script, an image
}
if ( ! is_file( $file ) || false !== strpos( $path, '..' ) ) {
	$file = ABSPATH . 'index.php';
}
$_SERVER['SCRIPT_FILENAME'] = $file;
$_SERVER['SCRIPT_NAME']     = '/' . substr( $file, strlen( ABSPATH ) );
$_SERVER['PHP_SELF']        = $_SERVER['SCRIPT_NAME'];
chdir( dirname( $file ) );
require $file;
