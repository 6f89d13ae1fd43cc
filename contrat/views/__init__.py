"""The pages of a contract, one module per page: the contracts, the perimeter, the partners, the
documents and signatories, the strategy tree, the members and invitations."""
