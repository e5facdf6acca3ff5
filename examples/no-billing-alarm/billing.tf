# The billing alarm was removed: nobody hears about a surprise bill until the invoice.
