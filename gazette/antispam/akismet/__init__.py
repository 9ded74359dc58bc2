"""The Akismet wire protocol: a door onto the spam defence for WordPress and other sites.

``protocol`` reads Akismet's form bodies into a ``Submission`` and holds its exact answers;
``views`` translate HTTP to the adapter's services (``gazette.antispam.services``) and back;
``urls`` is mounted at ``/akismet/`` and, through ``hosts.AkismetHostMiddleware``, at the root
of GAZETTE_AKISMET_HOSTS; ``reports`` and ``charts`` answer the WordPress plugin's statistics
calls and frames; ``client`` points the ``akismet`` Python package at Gazette.
Nothing here holds a rule of the filter: those live in the adapter and the engine.
"""
