/* Opsbook: progressive enhancements. Every page works without this script. */
